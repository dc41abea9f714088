from django.urls import path
from rest_framework.routers import DefaultRouter

from stakeholders import api

router = DefaultRouter()
router.include_format_suffixes = False
router.register("stakeholder-rounds", api.RoundViewSet, basename="api_stakeholder-round")

urlpatterns: list = [
    path("stakeholder-completion/", api.stakeholder_completion, name="api_stakeholder_completion"),
    *router.urls,
]
