from rest_framework.routers import SimpleRouter

from scim import api

router = SimpleRouter()
router.register("scim-tokens", api.ScimTokenViewSet, basename="api_scim_token")

urlpatterns: list = []
urlpatterns += router.urls
