from django.urls import path

from webhooks import views

urlpatterns = [
    path("webhooks/", views.endpoints, name="webhooks"),
    path("webhooks/<int:pk>/", views.endpoint, name="webhook_endpoint"),
    path("webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="webhook_endpoint_rotate"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="webhook_endpoint_delete"),
    path("webhooks/deliveries/<int:pk>/resend/", views.delivery_resend, name="webhook_delivery_resend"),
]
