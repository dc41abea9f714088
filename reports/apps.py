from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and data rights")

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what they register: navigation and access rules.
        from . import navigation, policies  # noqa: F401
