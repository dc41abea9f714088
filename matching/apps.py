from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """An organisation's coach pool, employees choosing their coach, chemistry calls and rematch."""

    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what it registers: the access rules.
        from . import navigation, policies  # noqa: F401
