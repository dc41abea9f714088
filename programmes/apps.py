from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"

    def ready(self) -> None:
        # Imported for what they register: access rules, home panels, navigation and tasks.
        from . import (  # noqa: F401
            homes,
            homes_sessions,
            navigation,
            navigation_sessions,
            policies,
            tasks_sessions,
        )
