from django.urls import path
from rest_framework.routers import DefaultRouter

from matching import api

router = DefaultRouter()
router.include_format_suffixes = False
router.register("pool", api.PoolViewSet, basename="api_pool")
router.register("my-coach", api.ChoiceViewSet, basename="api_choice")
router.register("suggestions", api.SuggestionViewSet, basename="api_suggestion")

urlpatterns: list = [
    path(
        "programmes/<int:pk>/matching/",
        api.ProgrammeMatchingViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="api_programme_matching",
    ),
]
urlpatterns += router.urls
