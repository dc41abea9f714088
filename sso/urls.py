"""Single sign-on on an organisation's host (signing in under /login/, open to people not signed in) and HR's settings."""

from django.urls import path

from sso import views, views_saml, views_settings

urlpatterns = [
    path("settings/sign-in/", views_settings.sign_in_settings, name="sso_settings"),
    path("settings/sign-in/providers/new/", views_settings.provider_add, name="sso_provider_add"),
    path("settings/sign-in/providers/<int:pk>/", views_settings.provider_edit, name="sso_provider_edit"),
    path("settings/sign-in/providers/<int:pk>/delete/", views_settings.provider_delete, name="sso_provider_delete"),
    path("settings/sign-in/domains/<int:pk>/withdraw/", views_settings.domain_withdraw, name="sso_domain_withdraw"),
    path("login/sso/<int:pk>/", views.sign_in_start, name="sso_start"),
    path("login/sso/oidc/callback/", views.oidc_callback, name="sso_oidc_callback"),
    path("login/sso/<int:pk>/saml/metadata/", views_saml.metadata, name="sso_saml_metadata"),
    path("login/sso/<int:pk>/saml/acs/", views_saml.acs, name="sso_saml_acs"),
]
