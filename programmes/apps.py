from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers this app's access rules)
