"""A data migration: one row naming the schema it ran in. Fails in the schema named by the setting
RELEASE_PROBE_FAIL_IN, after its row is written, so the tests can see that nothing of it stays; waits a
minute in the schema named by RELEASE_PROBE_WAIT_IN, so a test can kill the release there."""

import time

from django.conf import settings
from django.db import migrations


def label(apps, schema_editor):
    schema = schema_editor.connection.schema_name
    apps.get_model("release_probe", "Probe").objects.create(label=schema)
    if schema == getattr(settings, "RELEASE_PROBE_FAIL_IN", None):
        raise RuntimeError(f"the probe fails in {schema}")
    if schema == getattr(settings, "RELEASE_PROBE_WAIT_IN", None):
        time.sleep(60)


class Migration(migrations.Migration):
    dependencies = [("release_probe", "0001_initial")]
    operations = [migrations.RunPython(label, migrations.RunPython.noop)]
