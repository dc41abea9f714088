from django.urls import path

from stakeholders import views

urlpatterns: list = [
    path("stakeholders/", views.stakeholder_rounds, name="stakeholder_rounds"),
    path("stakeholders/new/", views.stakeholder_round_create, name="stakeholder_round_create"),
    path("stakeholders/overview/", views.stakeholder_overview, name="stakeholder_overview"),
    path("stakeholders/<int:pk>/", views.stakeholder_round, name="stakeholder_round"),
    path("stakeholders/<int:pk>/invite/", views.stakeholder_invite, name="stakeholder_invite"),
    path("stakeholders/<int:pk>/consent/", views.stakeholder_consent, name="stakeholder_consent"),
    path("stakeholders/<int:pk>/self/", views.stakeholder_self, name="stakeholder_self"),
    path("stakeholders/<int:pk>/results/", views.stakeholder_results, name="stakeholder_results"),
    path("stakeholders/<int:pk>/release/", views.stakeholder_release, name="stakeholder_release"),
    path("feedback/<str:token>/", views.rater_answer, name="rater_answer"),
]
