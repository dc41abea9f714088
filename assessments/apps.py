from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        # Imported for what they register: access rules, home panels, navigation and tasks.
        from . import (  # noqa: F401
            homes,
            homes_journal,
            navigation,
            navigation_journal,
            policies,
            tasks,
        )
