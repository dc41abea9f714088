from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = "stakeholder feedback"

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what they register: access rules, navigation and
        # tasks.
        from . import navigation, policies, tasks  # noqa: F401
