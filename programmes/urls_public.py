from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- the coach's workspace and calendar feeds ---
from programmes.views import calendar as calendar_views  # noqa: E402
from programmes.views import coach as coach_views  # noqa: E402

urlpatterns += [
    path("coach/", coach_views.coach_workspace, name="coach_workspace"),
    path("coach/hours.csv", coach_views.coach_hours_csv, name="coach_hours_csv"),
    path("coach/availability/", coach_views.coach_availability, name="coach_availability"),
    path("coach/availability/<int:pk>/withdraw/", coach_views.coach_slot_withdraw, name="coach_slot_withdraw"),
    path("coach/availability/<int:pk>/offer/", coach_views.coach_slot_offer, name="coach_slot_offer"),
    path("coach/availability/offer/", coach_views.coach_slots_offer, name="coach_slots_offer"),
    path("coach/availability/default/", coach_views.coach_offer_default, name="coach_offer_default"),
    path("coach/availability/calendar/", coach_views.coach_own_calendar, name="coach_own_calendar"),
    path(
        "coach/availability/calendar/remove/", coach_views.coach_own_calendar_remove, name="coach_own_calendar_remove"
    ),
    path(
        "coach/urgent/<slug:slug>/<int:pk>/seen/", coach_views.coach_urgent_acknowledge, name="coach_urgent_acknowledge"
    ),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/renew/", calendar_views.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/stop/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<str:secret>.ics", calendar_views.calendar_feed, name="calendar_feed"),
]
