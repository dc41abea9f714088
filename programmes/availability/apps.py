from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AvailabilityConfig(AppConfig):
    """The coaches' time and calendar feeds: shared (public schema), because a coach's hour is one
    resource across every organisation they serve."""

    name = "programmes.availability"
    label = "availability"
    verbose_name = _("Availability")

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what it registers: the access rules of slots and feeds.
        from . import policies  # noqa: F401
