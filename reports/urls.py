from django.urls import path

from reports.views import hr, jobs, oversight, people

urlpatterns = [
    path("reports/", hr.dashboard, name="reports_dashboard"),
    path("reports/report.pdf", hr.programme_pdf, name="reports_pdf"),
    path("reports/export/<slug:kind>.csv", hr.csv_export, name="reports_csv"),
    path("reports/audit/", oversight.audit, name="reports_audit"),
    path("reports/erasure/", oversight.erasure_requests, name="reports_erasure"),
    path("reports/erasure/<int:pk>/cancel/", oversight.erasure_cancel, name="reports_erasure_cancel"),
    path("reports/jobs/", jobs.job_create, name="reports_job_create"),
    path("reports/jobs/<uuid:pk>/", jobs.job_status, name="reports_job"),
    path("reports/jobs/<uuid:pk>/download/", jobs.job_download, name="reports_job_download"),
    path("reports/coach/", people.coach_reports, name="coach_reports"),
    path("reports/coach/hours.pdf", people.coach_hours_pdf, name="coach_hours_pdf"),
    path("reports/people/<int:user_id>/progress.pdf", people.coachee_progress_pdf, name="coachee_progress_pdf"),
    path("my-data/", people.my_data, name="my_data"),
    path("my-data/progress.pdf", people.my_progress_pdf, name="my_progress_pdf"),
    path("my-data/erasure/", people.my_erasure_request, name="my_erasure_request"),
    path("my-data/erasure/cancel/", people.my_erasure_cancel, name="my_erasure_cancel"),
]
