from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and data rights")

    def ready(self) -> None:
        from . import navigation, policies  # noqa: F401  (registers navigation and access rules)
