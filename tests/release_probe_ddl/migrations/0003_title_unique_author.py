"""Altering `title` drops the index 0001 made, found by looking at the schema as it is (introspection):
the statements kept from the first schema name it as every schema has it."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("release_probe_ddl", "0002_body"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.AlterField("note", "title", models.CharField(max_length=200, unique=True)),
        migrations.AddField(
            "note",
            "author",
            models.ForeignKey(
                settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, db_constraint=False
            ),
        ),
    ]
