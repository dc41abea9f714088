"""Nothing that grants access leaves the portal in a file: no token, key, password hash, session key,
invitation or handoff ticket, calendar or other secret, in an export, an offboarding bundle, a PDF or a CSV.

Two guards. The meta-test walks every model an export or a bundle can reach and fails when a field that
holds a secret (by its name, by a generated default, by being the primary key of a credential, or by
pointing at one) is among the fields written. The end-to-end test gives a person every kind of credential
and searches the bytes of everything they and the platform can download for each of them.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import uuid
import zipfile
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import AutoField, BigAutoField, BinaryField, Model, SmallAutoField
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from programmes.availability.models import CalendarFeed
from reports import data_map
from reports.selectors import data as data_selectors
from reports.services import offboarding
from tenants import tokens
from tenants.models import HandoffToken, Invitation
from tenants.services import handoff_binding, handoff_create, handoff_nonce, invitation_token
from tests.world.reports import build

# Credentials the portal keeps, written down here independently of the data map: the test's ground truth.
KNOWN_SECRET_KEYS = {"authtoken.Token", "sessions.Session", "tenants.Invitation", "tenants.HandoffToken"}
KNOWN_SECRET_FIELDS = {
    ("tenants.User", "password"),
    ("availability.CalendarFeed", "secret"),
    ("sessions.Session", "session_data"),
    ("axes.AccessLog", "session_hash"),
}
SECRET_WORDS = re.compile(
    r"(^|_)(password|passwd|secret|token|key|hash|salt|nonce|otp|signature|credentials?)"
    r"(_|$)"
)
SEQUENTIAL = (AutoField, BigAutoField, SmallAutoField)


def _label(model: type[Model]) -> str:
    return model._meta.concrete_model._meta.label


def _generated(field) -> bool:
    """A default made by a random generator: a credential unless the data map says it is only an id."""
    default = field.default
    if not callable(default):
        return False
    name = f"{getattr(default, '__module__', '')}.{getattr(default, '__name__', '')}".lower()
    return name.startswith(("uuid.", "secrets.")) or any(word in name for word in ("token", "secret", "random"))


def _secret_key(model: type[Model]) -> bool:
    """Is the primary key of `model` itself a secret (a credential's value, or what a signed link carries)?"""
    label = _label(model)
    if label in KNOWN_SECRET_KEYS:
        return True
    pk = model._meta.pk
    return not isinstance(pk, SEQUENTIAL) and label not in getattr(data_map, "OPAQUE_IDS", {})


def _why_secret(model: type[Model], name: str) -> str | None:
    label = _label(model)
    field = model._meta.pk if name == "id" else model._meta.get_field(name)
    if field.primary_key and _secret_key(model):
        return "its primary key is a secret"
    if (label, field.name) in KNOWN_SECRET_FIELDS:
        return "a known secret"
    if field.is_relation and field.related_model is not None and _secret_key(field.related_model):
        return f"it points at {_label(field.related_model)}, whose id is a secret"
    if isinstance(field, BinaryField):
        return "raw bytes"
    if SECRET_WORDS.search(field.name) and (label, field.name) not in getattr(data_map, "NOT_SECRET", {}):
        return "its name says it holds a secret"
    if _generated(field) and not field.primary_key:
        return "its default is generated at random"
    return None


def _written() -> dict[str, set[str]]:
    """Every model a file can reach, with the fields written for it (as the exports and the bundle write)."""
    written: dict[str, set[str]] = {}
    for entry in data_map.ENTRIES:
        model = apps.get_model(entry.model)
        if entry.export == data_map.REFERENCE:
            fields = set(data_map.reference_fields(entry))  # which row (its id) and when, nothing else
        else:
            fields = set(data_map.export_fields(entry.model))
        written.setdefault(entry.model, set()).update(fields)
        for name in entry.children:
            child = model._meta.get_field(name).related_model
            written.setdefault(child._meta.label, set()).update(data_map.export_fields(child._meta.label))
    written.setdefault(settings.AUTH_USER_MODEL, set()).update(data_selectors.ACCOUNT_FIELDS)
    for label, fields in offboarding.BUNDLE:
        written.setdefault(label, set()).update(("id", *fields))
    written[settings.AUTH_USER_MODEL].update(offboarding.PEOPLE_FIELDS)
    return written


def test_no_file_writes_a_field_that_holds_a_secret():
    found = []
    for label, names in sorted(_written().items()):
        model = apps.get_model(label)
        for name in sorted(names):
            reason = _why_secret(model, name)
            if reason:
                found.append(f"{label}.{name}: {reason}")
    assert not found, "Secrets that an export or a bundle would write:\n" + "\n".join(found)


def test_every_primary_key_that_is_not_a_sequence_is_called_a_secret_or_an_id():
    """A new model with a random primary key must be classified before anything can export it."""
    unclassified = []
    for model in apps.get_models():
        if model._meta.proxy or isinstance(model._meta.pk, SEQUENTIAL) or model._meta.pk.is_relation:
            continue
        label = model._meta.label
        if label not in data_map.SECRET_MODELS and label not in data_map.OPAQUE_IDS:
            unclassified.append(label)
    assert not unclassified, (
        "Say in reports/data_map.py whether these primary keys are secrets (SECRET_MODELS) "
        f"or only ids (OPAQUE_IDS): {unclassified}"
    )
    assert not set(data_map.SECRET_MODELS) & set(data_map.OPAQUE_IDS)
    assert set(data_map.SECRET_MODELS) >= KNOWN_SECRET_KEYS
    for label, reason in {**data_map.SECRET_MODELS, **data_map.OPAQUE_IDS}.items():
        assert apps.get_model(label) and reason, label


def test_the_rule_refuses_every_known_secret():
    refused = [(label, "id") for label in KNOWN_SECRET_KEYS] + sorted(KNOWN_SECRET_FIELDS)
    for label, name in refused:
        model = apps.get_model(label)
        assert data_map.secret_reason(model, model._meta.pk if name == "id" else model._meta.get_field(name)), (
            f"{label}.{name}"
        )
    # The person a credential belongs to is not a secret; the rule refuses values, not relations to people.
    assert data_map.secret_reason(Invitation, Invitation._meta.get_field("user")) is None
    assert data_map.secret_reason(Token, Token._meta.get_field("user")) is None


def test_a_declared_export_of_a_secret_is_refused(monkeypatch):
    monkeypatch.setitem(data_map.NOT_EXPORTED, "authtoken.Token", ())
    try:
        data_map.export_fields("authtoken.Token")
    except data_map.SecretExported as refused:
        assert "authtoken.Token" in str(refused)
    else:
        raise AssertionError("the token's key would be exported")


# --- end to end: the bytes of every file --------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def _zip_text(content: bytes) -> str:
    """Every member of a zip as text (PDFs through pdftotext, nested zips opened too)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            if name.endswith(".pdf"):
                parts.append(_pdf_text(member))
            elif name.endswith(".zip"):
                parts.append(_zip_text(member))
            parts.append(member.decode("utf-8", "replace"))
    return "\n".join(parts)


def _forms(value: str) -> set[str]:
    """A secret as it could be written: as is, and a UUID also without dashes."""
    forms = {value}
    with contextlib.suppress(ValueError):
        forms.add(uuid.UUID(value).hex)
    return forms


def _credentials(world, in_tenant, person) -> dict[str, str]:
    """Give `person` every kind of credential the portal knows; their values, by kind."""
    token = Token.objects.create(user=person)
    personal = tokens.token_create(user=person, name="Exports")
    invitation = Invitation.objects.create(
        user=person,
        organisation=world.acme.organisation,
        role="employee",
        invited_by=world.acme.hr,
        expires_at=timezone.now() + timedelta(days=7),
    )
    handoff = handoff_create(
        user=person, organisation=world.acme.organisation, binding=handoff_binding(handoff_nonce())
    )
    ticket = HandoffToken.objects.filter(user=person).latest("created_at")
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    feed = CalendarFeed.objects.create(user=person)
    person.refresh_from_db()
    return {
        "api token": token.key,
        "personal api token": personal.raw,
        "personal api token digest": personal.token.digest,
        "invitation id": str(invitation.pk),
        "invitation link": invitation_token(invitation),
        "handoff ticket": str(ticket.pk),
        "handoff link": handoff,
        "session key": session.session_key,
        "calendar secret": feed.secret,
        "password hash": person.password,
        "password hash digest": person.password.rsplit("$", 1)[-1],
    }


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [kind for kind, value in secrets.items() if any(form in text for form in _forms(value))]


def test_no_export_or_bundle_holds_a_credential(world, in_tenant, client_for, tmp_path):
    employee = world.acme.employee
    with in_tenant(world.acme):
        build(world.acme, people=5, employees=[employee])
    secrets = _credentials(world, in_tenant, employee)
    client = client_for(employee, world.acme.host)
    export = client.get(reverse("api_me_export"))
    assert export.status_code == 200
    exported = _zip_text(export.content)
    assert (
        employee.email in exported and "progress-report.pdf" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    )
    assert not _leaks(exported, secrets), f"export-my-data holds: {_leaks(exported, secrets)}"
    assert not _leaks(_pdf_text(client.get(reverse("my_progress_pdf")).content), secrets)

    with in_tenant(world.acme):
        target = tmp_path / "bundle.zip"
        offboarding.bundle_write(target=target, organisation=world.acme.organisation)
    bundled = _zip_text(target.read_bytes())
    assert employee.email in bundled
    assert not _leaks(bundled, secrets), f"the offboarding bundle holds: {_leaks(bundled, secrets)}"

    hr = client_for(world.acme.hr, world.acme.host)
    for kind in ("enrolments", "attendance", "credits"):
        body = b"".join(hr.get(reverse("reports_csv", args=[kind])).streaming_content).decode("utf-8-sig")
        assert not _leaks(body, secrets), f"the {kind} CSV holds: {_leaks(body, secrets)}"
    pdf = _pdf_text(hr.get(reverse("reports_pdf")).content)
    assert not _leaks(pdf, secrets)
