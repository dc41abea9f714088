"""Add the built-in observed-behaviour instrument (assessments/library.py) to every organisation and the
template, for stakeholder rounds."""

from django.db import migrations


def install_library(apps, schema_editor):
    from assessments import library

    library.install(library.historical_models(apps))


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0001_initial"), ("assessments", "0004_access_log_feedback")]

    operations = [migrations.RunPython(install_library, migrations.RunPython.noop)]
