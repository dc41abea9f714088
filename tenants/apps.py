from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what they register: navigation and access rules.
        from . import navigation, policies  # noqa: F401
