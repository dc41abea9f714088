from django.urls import path
from rest_framework.routers import DefaultRouter

from tenants.api import organisation as organisation_api
from tenants.api import people as people_api

router = DefaultRouter()
# JSON is the only format, so no `.json` twins of the routes (their views take no `format` argument).
router.include_format_suffixes = False
router.register("people", people_api.MembershipViewSet, basename="api_membership")
router.register("invitations", people_api.InvitationViewSet, basename="api_invitation")

urlpatterns: list = [
    path(
        "organisation/",
        organisation_api.OrganisationSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_organisation",
    ),
    path(
        "organisation/logo/",
        organisation_api.OrganisationLogoViewSet.as_view({"put": "update", "delete": "destroy"}),
        name="api_organisation_logo",
    ),
]
urlpatterns += router.urls
