from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what they register: access rules, home panels,
        # navigation and tasks.
        from . import homes, navigation, policies, tasks  # noqa: F401
