from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from . import navigation, policies  # noqa: F401  (registers navigation and access rules)
