from django.urls import path

from coaches import views

urlpatterns = [
    path("coach/profile/", views.coach_profile, name="coach_profile"),
    path("coach/profile/photo", views.coach_profile_photo, name="coach_profile_photo"),
]
