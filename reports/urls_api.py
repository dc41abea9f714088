from django.urls import path
from rest_framework.routers import DefaultRouter

from reports.api import coach as coach_api
from reports.api import hr as hr_api
from reports.api import me as api
from reports.api import my_erasure as my_erasure_api

router = DefaultRouter()
# JSON is the only format, so no `.json` twins of the routes (their views take no `format` argument).
router.include_format_suffixes = False
router.register("reports/exports", hr_api.ExportViewSet, basename="api_report_export")
router.register("reports/audit", hr_api.AuditViewSet, basename="api_audit")
router.register("reports/erasure-requests", hr_api.ErasureRequestViewSet, basename="api_erasure_request")

urlpatterns = [
    path("me/export/", api.me_export, name="api_me_export"),
    path(
        "me/erasure/",
        my_erasure_api.MyErasureViewSet.as_view({"get": "retrieve", "post": "create", "delete": "destroy"}),
        name="api_my_erasure",
    ),
    path("reports/coach-hours/", coach_api.CoachHoursViewSet.as_view({"get": "retrieve"}), name="api_coach_hours"),
    path("reports/dashboard/", hr_api.DashboardViewSet.as_view({"get": "retrieve"}), name="api_dashboard"),
]
urlpatterns += router.urls
