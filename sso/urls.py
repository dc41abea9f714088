"""Single sign-on on an organisation's host (under /login/, open to people not signed in)."""

from django.urls import path

from sso import views, views_saml

urlpatterns = [
    path("login/sso/<int:pk>/", views.sign_in_start, name="sso_start"),
    path("login/sso/oidc/callback/", views.oidc_callback, name="sso_oidc_callback"),
    path("login/sso/<int:pk>/saml/metadata/", views_saml.metadata, name="sso_saml_metadata"),
    path("login/sso/<int:pk>/saml/acs/", views_saml.acs, name="sso_saml_acs"),
]
