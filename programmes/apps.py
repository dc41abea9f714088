from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what they register: access rules, home panels,
        # navigation and tasks.
        from . import homes, navigation, policies, tasks  # noqa: F401
