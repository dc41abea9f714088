from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers this app's access rules)
        from . import homes_journal, navigation_journal, tasks  # noqa: F401  (journal panels and menu; the tasks)
        from . import homes, navigation  # noqa: F401  (assessments: home panels and navigation)
