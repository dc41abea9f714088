from django.urls import path

from matching import views

urlpatterns = [
    path("pool/", views.pool, name="pool"),
    path("pool/invite/", views.pool_invite, name="pool_invite"),
    path("pool/<int:pk>/answer/", views.pool_answer, name="pool_answer"),
    path("pool/coaches/<int:pk>/photo", views.coach_photo, name="pool_coach_photo"),
    path("programmes/<int:pk>/matching/", views.programme_matching, name="programme_matching"),
    path("my-coach/", views.my_coach, name="my_coach"),
    path("my-coach/<int:pk>/", views.choose, name="choose"),
    path("my-coach/<int:pk>/rematch/", views.rematch, name="rematch"),
    path("my-coach/suggestions/<int:pk>/choose/", views.choose_coach, name="choose_coach"),
    path("my-coach/suggestions/<int:pk>/chemistry/", views.chemistry_book, name="chemistry_book"),
]
