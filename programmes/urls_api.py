from django.urls import path
from rest_framework.routers import DefaultRouter

from programmes.api import agreement as agreement_api
from programmes.api import availability as availability_api
from programmes.api import enrolment as enrolment_api
from programmes.api import enrolment_agreement as enrolment_agreement_api
from programmes.api import phases as phases_api
from programmes.api import programmes as programmes_api
from programmes.api import sessions as sessions_api

router = DefaultRouter()
# JSON is the only format, so no `.json` twins of the routes (their views take no `format` argument).
router.include_format_suffixes = False
# --- programmes, cohorts, enrolments ---
router.register("programmes", programmes_api.ProgrammeViewSet, basename="api_programme")
router.register("phases", phases_api.PhaseViewSet, basename="api_phase")
router.register("resources", phases_api.ResourceViewSet, basename="api_resource")
router.register("cohorts", programmes_api.CohortViewSet, basename="api_cohort")
router.register("enrolments", enrolment_api.EnrolmentViewSet, basename="api_enrolment")
# --- sessions, availability, credits ---
router.register("sessions", sessions_api.SessionViewSet, basename="api_session")
router.register("credits", sessions_api.CreditViewSet, basename="api_credit")
router.register("urgent-requests", sessions_api.UrgentRequestViewSet, basename="api_urgent_request")
router.register("availability", availability_api.AvailabilityViewSet, basename="api_availability")
router.register("calendar-feeds", availability_api.CalendarFeedViewSet, basename="api_calendar_feed")

urlpatterns: list = [
    path("agreement/", agreement_api.AgreementViewSet.as_view({"get": "retrieve"}), name="api_agreement"),
    path(
        "agreement/accept/",
        agreement_api.AgreementAcceptViewSet.as_view({"post": "create"}),
        name="api_agreement_accept",
    ),
    path(
        "agreement/versions/",
        agreement_api.AgreementVersionViewSet.as_view({"get": "list", "post": "create"}),
        name="api_agreement_versions",
    ),
]
urlpatterns += [
    path(
        "enrolments/<int:pk>/agreement/",
        enrolment_agreement_api.EnrolmentAgreementViewSet.as_view({"get": "retrieve"}),
        name="api_enrolment_agreement",
    ),
    path(
        "enrolments/<int:pk>/agreement/objectives/",
        enrolment_agreement_api.EnrolmentAgreementViewSet.as_view({"post": "propose"}),
        name="api_enrolment_agreement_objectives",
    ),
    path(
        "enrolments/<int:pk>/agreement/accept/",
        enrolment_agreement_api.EnrolmentAgreementViewSet.as_view({"post": "accept"}),
        name="api_enrolment_agreement_accept",
    ),
    path("sponsored/", enrolment_agreement_api.SponsoredViewSet.as_view({"get": "list"}), name="api_sponsored"),
]
urlpatterns += router.urls
