from rest_framework.routers import SimpleRouter

from sso import api

router = SimpleRouter()
router.register("identity-providers", api.IdentityProviderViewSet, basename="api_identity_provider")

urlpatterns: list = []
urlpatterns += router.urls
