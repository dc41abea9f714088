from django.urls import path

from programmes.api import coach as coach_api

urlpatterns: list = [
    path("coach/workspace/", coach_api.CoachWorkspaceViewSet.as_view({"get": "retrieve"}), name="api_coach_workspace"),
    path(
        "coach/urgent-requests/<slug:slug>/<int:pk>/acknowledge/",
        coach_api.CoachWorkspaceViewSet.as_view({"post": "acknowledge"}),
        name="api_coach_urgent_acknowledge",
    ),
]
