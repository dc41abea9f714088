from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- programmes, cohorts, enrolments, agreement ---
from programmes.views import agreement as agreement_views  # noqa: E402
from programmes.views import enrolment as enrolment_views  # noqa: E402
from programmes.views import enrolment_agreement as enrolment_agreement_views  # noqa: E402
from programmes.views import programmes as programme_views  # noqa: E402

urlpatterns += [
    path("programmes/", programme_views.programme_list, name="programme_list"),
    path("programmes/new/", programme_views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", programme_views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programme_views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/copy/", programme_views.programme_copy, name="programme_copy"),
    path("programmes/<int:pk>/phases/add/", programme_views.phase_add, name="phase_add"),
    path("programmes/<int:pk>/resources/add/", programme_views.resource_add, name="resource_add"),
    path("programmes/<int:pk>/cohorts/new/", programme_views.cohort_create, name="cohort_create"),
    path("phases/<int:pk>/edit/", programme_views.phase_edit, name="phase_edit"),
    path("phases/<int:pk>/move/", programme_views.phase_move, name="phase_move"),
    path("phases/<int:pk>/delete/", programme_views.phase_delete, name="phase_delete"),
    path("resources/<int:pk>/file/", programme_views.resource_download, name="resource_download"),
    path("resources/<int:pk>/delete/", programme_views.resource_delete, name="resource_delete"),
    path("cohorts/<int:pk>/", programme_views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/edit/", programme_views.cohort_edit, name="cohort_edit"),
    path("enrolments/", enrolment_views.enrolment_list, name="enrolment_list"),
    path("enrolments/new/", enrolment_views.enrolment_add, name="enrolment_add"),
    path("enrolments/import/", enrolment_views.enrolment_import, name="enrolment_import"),
    path(
        "enrolments/import/employees.csv", enrolment_views.enrolment_import_template, name="enrolment_import_template"
    ),
    path("enrolments/import/<uuid:pk>/", enrolment_views.enrolment_import_detail, name="enrolment_import_detail"),
    path("enrolments/import/<uuid:pk>/start/", enrolment_views.enrolment_import_start, name="enrolment_import_start"),
    path("enrolments/<int:pk>/", enrolment_views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/edit/", enrolment_views.enrolment_edit, name="enrolment_edit"),
    path("enrolments/<int:pk>/status/", enrolment_views.enrolment_status, name="enrolment_status"),
    path("enrolments/<int:pk>/credits/", enrolment_views.enrolment_credits, name="enrolment_credits"),
    path(
        "enrolments/<int:pk>/agreement/",
        enrolment_agreement_views.enrolment_agreement,
        name="enrolment_agreement",
    ),
    path(
        "enrolments/<int:pk>/agreement/objectives/",
        enrolment_agreement_views.enrolment_agreement_objectives,
        name="enrolment_agreement_objectives",
    ),
    path(
        "enrolments/<int:pk>/agreement/accept/",
        enrolment_agreement_views.enrolment_agreement_accept,
        name="enrolment_agreement_accept",
    ),
    path(
        "enrolments/<int:pk>/agreement.pdf",
        enrolment_agreement_views.enrolment_agreement_pdf,
        name="enrolment_agreement_pdf",
    ),
    path("sponsored/", enrolment_agreement_views.sponsored, name="sponsored"),
    path("agreement/", agreement_views.agreement, name="agreement"),
    path("agreement/accept/", agreement_views.agreement_accept, name="agreement_accept"),
    path("agreement/edit/", agreement_views.agreement_edit, name="agreement_edit"),
]

# --- sessions, booking, credits, urgent requests, calendar ---
from programmes.views import booking as booking_views  # noqa: E402
from programmes.views import calendar as calendar_views  # noqa: E402
from programmes.views import sessions as session_views  # noqa: E402

urlpatterns += [
    path("sessions/", session_views.sessions, name="sessions"),
    path("sessions/new/", session_views.session_create, name="session_create"),
    path("sessions/credits/", session_views.credits, name="credits"),
    path("sessions/<int:pk>/", session_views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/cancel/", session_views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/move/", session_views.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/attendance/", session_views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/calendar.ics", session_views.session_ics, name="session_ics"),
    path("sessions/<int:pk>/join/", session_views.session_join, name="session_join"),
    path("book/", booking_views.booking, name="booking"),
    path("book/<int:pk>/", booking_views.booking_book, name="booking_book"),
    path("book/<int:pk>/series/", booking_views.booking_series, name="booking_series"),
    path("urgent/", session_views.urgent_request, name="urgent_request"),
    path("urgent/requests/", session_views.urgent_requests, name="urgent_requests"),
    path("urgent/<int:pk>/seen/", session_views.urgent_acknowledge, name="urgent_acknowledge"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/renew/", calendar_views.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/stop/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
]
