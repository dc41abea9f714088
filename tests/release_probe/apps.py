from django.apps import AppConfig


class ReleaseProbeConfig(AppConfig):
    name = "tests.release_probe"
    label = "release_probe"
    default_auto_field = "django.db.models.BigAutoField"
