from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachesConfig(AppConfig):
    """Coaches' profiles: shared (public schema), because a coach is one person across every organisation
    they serve, and edits their profile once."""

    name = "coaches"
    verbose_name = _("Coach profiles")

    def ready(self) -> None:
        # Imported here, once the models are loaded, for what it registers: the access rule of profiles.
        from . import navigation, policies  # noqa: F401
