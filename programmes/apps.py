from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers this app's access rules)
        from . import homes, navigation  # noqa: F401  (programmes and enrolment: HR's panel, menu)
        from . import homes_sessions, navigation_sessions, tasks_sessions  # noqa: F401  (sessions: panels, menu, tasks)
