from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api import access_log as access_log_api
from assessments.api import assignments as assignments_api
from assessments.api import instrument_builder as builder_api
from assessments.api import journal as journal_api
from assessments.api import pulse as pulse_api
from assessments.api import scheduling as scheduling_api

router = DefaultRouter()
# JSON is the only format, so no `.json` twins of the routes (their views take no `format` argument).
router.include_format_suffixes = False
router.register("reflections", journal_api.ReflectionViewSet, basename="reflection")
router.register("goals", journal_api.GoalViewSet, basename="goal")
router.register("action-items", journal_api.ActionItemViewSet, basename="action-item")
router.register("session-feedback", journal_api.SessionFeedbackViewSet, basename="session-feedback")
router.register("coach-feedback", journal_api.CoachFeedbackViewSet, basename="coach-feedback")
router.register("session-notes", journal_api.SessionNoteViewSet, basename="session-note")
router.register("session-summaries", journal_api.SessionSummaryViewSet, basename="session-summary")
router.register("pulses", pulse_api.PulseViewSet, basename="pulse")
router.register("assignments", assignments_api.AssignmentViewSet, basename="assignment")
router.register("scheduled-assessments", scheduling_api.ScheduledAssessmentViewSet, basename="scheduled-assessment")
router.register("coachee-assignments", scheduling_api.CoacheeAssignmentViewSet, basename="coachee-assignment")
router.register("instruments", builder_api.InstrumentBuilderViewSet, basename="instrument")
router.register("instrument-dimensions", builder_api.DimensionViewSet, basename="instrument-dimension")
router.register("instrument-bands", builder_api.BandViewSet, basename="instrument-band")
router.register("instrument-questions", builder_api.QuestionViewSet, basename="instrument-question")

urlpatterns: list = [
    path("me/access-log/", access_log_api.access_log, name="api_access_log"),
    path("engagement/", journal_api.engagement, name="api_engagement"),
    path("coachees/<int:pk>/", pulse_api.coachee_page, name="api_coachee_page"),
]
urlpatterns += router.urls
