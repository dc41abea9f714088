"""The one-per-person DRF tokens become named personal tokens, kept only as their digest.

Every integration keeps working: the same token, presented as before, matches its digest. It is named
"API token", expires API_TOKEN_MAX_DAYS from this migration, may write as before, and its plain key is
deleted from the old table.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def hash_drf_tokens(apps, schema_editor):
    if getattr(schema_editor.connection, "schema_name", "public") != "public":
        return
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("tenants", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_MAX_DAYS)
    for token in Token.objects.all().iterator():
        made = ApiToken.objects.create(
            user_id=token.user_id,
            name="API token",
            prefix=token.key[:6],
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            read_only=False,
            expires_at=expires_at,
        )
        ApiToken.objects.filter(pk=made.pk).update(created_at=token.created)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]
