from rest_framework.routers import SimpleRouter

from tenants.api import mine as mine_api

router = SimpleRouter()
router.register("my/organisations", mine_api.MyOrganisationViewSet, basename="api_my_organisation")
router.register("my/invitations", mine_api.MyInvitationViewSet, basename="api_my_invitation")

urlpatterns: list = router.urls
