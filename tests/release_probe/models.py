"""A tenant app the release tests add to the settings for their own scratch schemas only."""

from django.db import models


class Probe(models.Model):
    label = models.CharField(max_length=63)

    class Meta:
        app_label = "release_probe"
