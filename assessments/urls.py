from django.urls import path

from assessments.views import journal, transparency

urlpatterns: list = [
    path("reflections/", journal.reflections, name="reflections"),
    path("reflections/<int:pk>/", journal.reflection_detail, name="reflection_detail"),
    path("reflections/<int:pk>/edit/", journal.reflection_edit, name="reflection_edit"),
    path("reflections/<int:pk>/sharing/", journal.reflection_sharing, name="reflection_sharing"),
    path("reflections/<int:pk>/delete/", journal.reflection_delete, name="reflection_delete"),
    path("reflections/<int:pk>/replies/", journal.reflection_reply, name="reflection_reply"),
    path("goals/", journal.goals, name="goals"),
    path("goals/<int:pk>/", journal.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/edit/", journal.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/sharing/", journal.goal_sharing, name="goal_sharing"),
    path("goals/<int:pk>/delete/", journal.goal_delete, name="goal_delete"),
    path("goals/<int:pk>/options/", journal.goal_option_add, name="goal_option_add"),
    path("goals/<int:pk>/options/<int:option_pk>/delete/", journal.goal_option_delete, name="goal_option_delete"),
    path("goals/<int:pk>/decision/", journal.goal_decide, name="goal_decide"),
    path("goals/<int:pk>/actions/", journal.goal_action_add, name="goal_action_add"),
    path("goals/<int:pk>/actions/<int:action_pk>/done/", journal.goal_action_done, name="goal_action_done"),
    path("goals/<int:pk>/actions/<int:action_pk>/delete/", journal.goal_action_delete, name="goal_action_delete"),
    path("goals/<int:pk>/check-ins/", journal.goal_check_in, name="goal_check_in"),
    path("goals/<int:pk>/comments/", journal.goal_comment, name="goal_comment"),
    path("sessions/<int:session_pk>/follow-up/", journal.session_follow_up, name="session_follow_up"),
    path("sessions/<int:session_pk>/follow-up/rating/", journal.session_rating, name="session_rating"),
    path("sessions/<int:session_pk>/follow-up/feedback/<int:employee_pk>/", journal.session_coach_feedback, name="session_coach_feedback"),
    path("sessions/<int:session_pk>/follow-up/note/", journal.session_note, name="session_note"),
    path("sessions/<int:session_pk>/follow-up/note/delete/", journal.session_note_delete, name="session_note_delete"),
    path("sessions/<int:session_pk>/follow-up/summary/", journal.session_summary, name="session_summary"),
    path("engagement/", journal.engagement, name="journal_engagement"),
    path("me/access-log/", transparency.access_log, name="access_log"),
]
