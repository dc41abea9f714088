from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"

    def ready(self) -> None:
        from . import (  # noqa: F401  (programmes and enrolment: HR's panel, menu)  # noqa: F401  (sessions: panels, menu, tasks)
            homes,
            homes_sessions,
            navigation,
            navigation_sessions,
            policies,  # noqa: F401  (registers this app's access rules)
            tasks_sessions,
        )
