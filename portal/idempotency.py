"""`Idempotency-Key` on API requests that create: a retry answers the first result and changes nothing.

Decorate a DRF view method (`create`, or an APIView's `post`) with `@idempotent`, put it above
`@action(...)` on an extra action (DRF's decorator replaces what sits below it, the header's place in the
schema too), or give a viewset whose `create` is DRF's `IdempotentCreateMixin` first. Without the header
the view runs as always. With it, per account, organisation (the record is kept in its schema) and
endpoint (method and path):

- the first request runs inside one transaction together with its `IdempotencyRecord`; a successful
  answer (2xx) is stored with the record, an error or refusal leaves no record, so the key can be used
  again once the request is put right;
- a retry with the same key and the same body answers the stored status and body (with
  `Idempotent-Replayed: true`) without running the view;
- the same key with a different body answers 422 and changes nothing;
- two requests with the same key at the same time: the second waits on the first's uncommitted record
  (the unique index) and then answers the first's result, so there is one effect;
- records live `IDEMPOTENCY_KEY_HOURS` (24 hours): after that the key is new again; a nightly task deletes
  older records (`idempotency_prune`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from programmes.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY_HOURS = 24
KEY_MAX_LENGTH = 255


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used for a different request to this endpoint. "
        "Send a new key for a new request, or the same body to retry the first."
    )
    default_code = "idempotency_key_reused"


class BadKey(exceptions.ValidationError):
    pass


def _key_of(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise BadKey(
            {
                HEADER: [
                    f"An {HEADER} is 1 to {KEY_MAX_LENGTH} printable ASCII characters, "
                    "for example a UUID made by the client."
                ]
            }
        )
    return key


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def request_digest(request) -> str:
    """What the request asks for, the same for the same body however it was encoded (key order, the
    boundaries of a multipart body)."""
    files = getattr(request, "FILES", {}) or {}
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: a QueryDict, files apart
        fields = {key: values for key, values in data.lists() if key not in files}
    else:
        fields = data
    uploads = {name: [_file_digest(upload) for upload in files.getlist(name)] for name in files}
    canonical = json.dumps(
        {"query": sorted(request.query_params.lists()), "data": fields, "files": uploads},
        sort_keys=True,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(record.response, status=record.status_code, headers=headers)


def _claim(*, user_id: int, endpoint: str, key: str, digest: str) -> bool:
    """Insert the record for this key; false when one exists (waiting for a concurrent first request to
    commit or roll back, which the unique index does by itself)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {IdempotencyRecord._meta.db_table}
                (user_id, endpoint, key, request_digest, location, created_at)
            VALUES (%s, %s, %s, %s, '', now())
            ON CONFLICT ON CONSTRAINT idempotency_once_per_endpoint DO NOTHING
            RETURNING id
            """,
            [user_id, endpoint, key, digest],
        )
        return cursor.fetchone() is not None


def _records(*, user_id: int, endpoint: str, key: str):
    return IdempotencyRecord.objects.filter(user_id=user_id, endpoint=endpoint, key=key)


KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique value the client makes (a UUID, say). A retry with the same key and body answers the first "
        "result and changes nothing (header `Idempotent-Replayed: true`); the same key with another body is "
        f"refused with 422. Keys are kept {IDEMPOTENCY_KEY_HOURS} hours, per account, organisation and endpoint."
    ),
)


def idempotent(handler):
    """Make a DRF view method honour `Idempotency-Key` (see the module's docstring)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key_of(request)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        # The record lives in the organisation's schema: one organisation's keys never meet another's.
        where = {
            "user_id": request.user.pk,
            "endpoint": f"{request.method} {request.path}",
            "key": key,
        }
        digest = request_digest(request)
        with transaction.atomic():
            # A record older than the window no longer counts: the key is new again.
            cutoff = timezone.now() - timedelta(hours=IDEMPOTENCY_KEY_HOURS)
            _records(**where).filter(created_at__lt=cutoff).delete()
            if not _claim(**where, digest=digest):
                record = _records(**where).get()
                if record.request_digest != digest:
                    raise KeyReused()
                return _replay(record)
            response = handler(view, request, *args, **kwargs)
            if not status.is_success(response.status_code):
                # A refusal is not a result: the key may be used again for the corrected request.
                _records(**where).delete()
                return response
            data = getattr(response, "data", None)
            body = json.loads(json.dumps(data, cls=JSONEncoder)) if data is not None else None
            _records(**where).update(
                status_code=response.status_code, response=body, location=response.headers.get("Location", "")
            )
        return response

    return extend_schema(parameters=[KEY_PARAMETER])(wrapper)


class IdempotentCreateMixin:
    """For a viewset whose `create` comes from DRF's CreateModelMixin: put it before that mixin."""

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


def idempotency_prune() -> int:
    """Delete the records whose keys have expired (run nightly)."""
    deleted, _rows = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=IDEMPOTENCY_KEY_HOURS)
    ).delete()
    return deleted
