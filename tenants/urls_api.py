from django.urls import path

from tenants import api

urlpatterns = [
    path("organisation/settings/", api.organisation_settings, name="api_organisation_settings"),
]
