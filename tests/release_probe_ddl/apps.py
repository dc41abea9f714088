from django.apps import AppConfig


class ReleaseProbeDdlConfig(AppConfig):
    name = "tests.release_probe_ddl"
    label = "release_probe_ddl"
    default_auto_field = "django.db.models.BigAutoField"
