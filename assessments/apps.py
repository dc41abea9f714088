from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from . import (  # noqa: F401  (journal panels, menu, tasks)  # noqa: F401  (assessments: home panels and navigation)
            homes,
            homes_journal,
            navigation,
            navigation_journal,
            policies,  # noqa: F401  (registers this app's access rules)
            tasks_journal,
        )
