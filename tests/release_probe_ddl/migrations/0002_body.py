from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("release_probe_ddl", "0001_initial")]
    operations = [
        migrations.AddField("note", "body", models.TextField(blank=True, default="")),
        migrations.AddIndex("note", models.Index(fields=["body"], name="release_probe_ddl_body")),
    ]
