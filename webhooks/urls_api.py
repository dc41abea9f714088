from rest_framework.routers import SimpleRouter

from webhooks import api

router = SimpleRouter()
router.register("webhooks/endpoints", api.EndpointViewSet, basename="api_webhook_endpoint")
router.register("webhooks/deliveries", api.DeliveryViewSet, basename="api_webhook_delivery")

urlpatterns: list = []
urlpatterns += router.urls
