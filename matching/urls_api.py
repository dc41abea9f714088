from django.urls import path
from rest_framework.routers import DefaultRouter

from coaches import api as coach_api
from matching import api

router = DefaultRouter()
router.include_format_suffixes = False
router.register("pool", api.PoolViewSet, basename="api_pool")
router.register("my-coach", api.ChoiceViewSet, basename="api_choice")
router.register("suggestions", api.SuggestionViewSet, basename="api_suggestion")

urlpatterns: list = [
    # A coach's own profile lives on the public host (coaches/urls_public_api.py); here for API clients
    # holding an organisation's token.
    path(
        "coach/profile/",
        coach_api.CoachProfileHereViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_coach_profile_here",
    ),
    path(
        "programmes/<int:pk>/matching/",
        api.ProgrammeMatchingViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="api_programme_matching",
    ),
]
urlpatterns += router.urls
