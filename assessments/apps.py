from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers this app's access rules)
