"""A tenant app the release tests add to the settings for their own scratch schemas only: its migrations
are statements only (a table, an added column with an index, a field made longer and unique, a key to a
shared table), so the release replays them."""

from django.conf import settings
from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=200, unique=True)
    body = models.TextField(blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, db_constraint=False)

    class Meta:
        app_label = "release_probe_ddl"
        indexes = [models.Index(fields=["body"], name="release_probe_ddl_body")]
