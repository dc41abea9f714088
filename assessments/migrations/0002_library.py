"""Load the built-in instruments (assessments/library.py) into every organisation and the template."""

from django.db import migrations


def install_library(apps, schema_editor):
    from assessments import library

    library.install(library.historical_models(apps))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(install_library, migrations.RunPython.noop)]
