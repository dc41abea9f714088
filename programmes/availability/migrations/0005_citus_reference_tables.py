from django.db import migrations

from portal.citus import REFERENCE_TABLES, ReferenceTables


class Migration(migrations.Migration):
    """On a Citus coordinator, the shared tables organisation tables point at (organisations, users,
    memberships, invitations, the coaches' slots and their offers) become reference tables, all in one step after the
    migrations that read them together (portal/citus.py). Without Citus this does nothing."""

    dependencies = [
        ("availability", "0004_coach_external_calendar"),
        ("tenants", "0007_two_factor"),
    ]

    operations = [
        ReferenceTables(*REFERENCE_TABLES),
    ]
