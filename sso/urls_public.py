"""Single sign-on on the public host: a typed work address leads to its organisation's provider;
platform staff check the email domains organisations claim."""

from django.urls import path

from sso import views, views_settings

urlpatterns = [
    path("login/sso/", views.sso_route, name="sso_route"),
    path("platform/domains/", views_settings.platform_domains, name="platform_domains"),
    path("platform/domains/<int:pk>/approve/", views_settings.platform_domain_approve, name="platform_domain_approve"),
    path("platform/domains/<int:pk>/remove/", views_settings.platform_domain_remove, name="platform_domain_remove"),
]
