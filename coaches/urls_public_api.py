from django.urls import path

from coaches import api

urlpatterns: list = [
    path(
        "coach/profile/",
        api.CoachProfileViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_coach_profile",
    ),
]
