"""Offboarding an organisation (platform staff, on the public host): archive it, then delete it.

An archive is a folder under settings.OFFBOARDING_ARCHIVE_DIR named `<slug>-<timestamp>`:

  schema.dump    pg_dump (custom format) of the organisation's schema, made with the pg_dump of the server
                 we run on: the embedded server's own, or PG_BIN_DIR / the one on PATH for DATABASE_URL.
  platform.json  the organisation's public rows (organisation, domains, memberships, the accounts of its
                 people), so that `archive_restore` can bring it back exactly.
  media/         its uploaded files (logo, learning resources).
  bundle.zip     what the customer receives: administrative data as JSON and CSV (people, programmes,
                 cohorts, enrolments, sessions, attendance, credits, agreements, audit). Never coaching
                 content: employees export their own before their organisation leaves.

The dump and platform.json stay on the server (they hold coaching content and password hashes); staff
download only the bundle. Deleting requires an archive made in the last day and the organisation's
address typed as confirmation; it drops the schema, the domains and the organisation's public rows, and
closes the accounts of people who belonged nowhere else (their rows stay, emptied, so a restore can
refill them).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from portal import embedded_db, policy
from portal.csv import csv_text
from reports import data_map
from reports.services.erasure import account_close
from tenants.models import Domain, Membership, Organisation, PlatformEvent, User

logger = logging.getLogger(__name__)

ARCHIVE_NAME = re.compile(r"^(?P<slug>[a-z][a-z0-9-]{1,40})-(?P<stamp>\d{8}-\d{6})$")
FRESH_FOR = timedelta(days=1)
USER_FIELDS = ("email", "first_name", "last_name", "language", "password", "is_active", "date_joined")
# What the customer's bundle holds, model by model: administrative data, and which fields of it.
BUNDLE = (
    (
        "programmes.Programme",
        ("name", "description", "objectives", "starts_on", "ends_on", "status", "default_credits", "created_at"),
    ),
    ("programmes.Phase", ("programme", "position", "kind", "name", "description", "starts_on", "ends_on")),
    ("programmes.Cohort", ("programme", "name", "capacity", "starts_on")),
    ("programmes.EmployeeProfile", ("user", "department", "job_title", "manager")),
    (
        "programmes.Enrolment",
        ("programme", "cohort", "employee", "coach", "status", "credit_allowance", "status_changed_at", "created_at"),
    ),
    ("programmes.EnrolmentEvent", ("enrolment", "from_status", "to_status", "at", "by")),
    ("programmes.Agreement", ("version", "body", "created_at")),
    ("programmes.AgreementAcceptance", ("agreement", "user", "accepted_at")),
    (
        "programmes.Session",
        (
            "kind",
            "cohort",
            "enrolment",
            "coach",
            "starts_at",
            "duration_minutes",
            "mode",
            "status",
            "cancelled_at",
            "late_cancellation",
        ),
    ),
    ("programmes.Attendance", ("session", "user", "status", "marked_at")),
    ("programmes.CreditTransaction", ("enrolment", "delta", "reason", "session", "at")),
    ("reports.AuditEvent", ("at", "actor", "subject", "action")),
)
# The people file: who they are and their roles here (never the password hash platform.json keeps).
PEOPLE_FIELDS = ("id", "email", "first_name", "last_name")


class OffboardingError(Exception):
    """A dump or restore could not be made; the message says why in words staff can act on."""


@dataclass(frozen=True)
class Archive:
    name: str
    slug: str
    created_at: datetime
    path: Path
    bundle_bytes: int

    @property
    def bundle(self) -> Path:
        return self.path / "bundle.zip"


# --- the PostgreSQL client programs ---------------------------------------------------------------------


def _embedded() -> bool:
    params = connection.settings_dict
    return (
        str(params.get("HOST")) == embedded_db.HOST
        and str(params.get("PORT")) == str(embedded_db.PORT)
        and "DATABASE_URL" not in os.environ
    )


def pg_program(name: str) -> str:
    """pg_dump / pg_restore of the server we run on (see the module docstring)."""
    if settings.PG_BIN_DIR:
        return str(Path(settings.PG_BIN_DIR) / name)
    if _embedded():
        return embedded_db.program(name)
    found = shutil.which(name)
    if found is None:
        raise OffboardingError(
            _("%(program)s is not installed; set PG_BIN_DIR to the folder that holds it.") % {"program": name}
        )
    return found


def _check_version(program: str) -> None:
    """pg_dump refuses servers newer than itself; say so before trying."""
    output = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    server = connection.pg_version // 10000
    if match is None or int(match.group(1)) < server:
        raise OffboardingError(
            _(
                "%(program)s (%(version)s) is older than the database server (%(server)s); set "
                "PG_BIN_DIR to the server's own programs."
            )
            % {"program": Path(program).name, "version": output.strip() or "?", "server": server}
        )


def _connection_args() -> tuple[list[str], dict]:
    params = connection.settings_dict
    args = [
        "-h",
        str(params.get("HOST") or "127.0.0.1"),
        "-p",
        str(params.get("PORT") or 5432),
        "-U",
        str(params.get("USER") or "postgres"),
        "-d",
        str(params["NAME"]),
    ]
    env = {**os.environ, "PGPASSWORD": str(params.get("PASSWORD") or ""), "PGCONNECT_TIMEOUT": "10"}
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        logger.error("%s failed: %s", Path(command[0]).name, result.stderr[-2000:])
        raise OffboardingError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": result.stderr.strip()[-500:]}
        )


# --- archives -------------------------------------------------------------------------------------------


def archive_root() -> Path:
    root = Path(settings.OFFBOARDING_ARCHIVE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def archives(*, slug: str | None = None) -> list[Archive]:
    """Archives on this server, newest first."""
    found = []
    for path in archive_root().iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if not match or not path.is_dir() or (slug and match["slug"] != slug) or not (path / "bundle.zip").exists():
            continue
        created = timezone.make_aware(datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S"), UTC)
        found.append(
            Archive(
                name=path.name,
                slug=match["slug"],
                created_at=created,
                path=path,
                bundle_bytes=(path / "bundle.zip").stat().st_size,
            )
        )
    return sorted(found, key=lambda archive: archive.created_at, reverse=True)


def archive_get(*, actor: policy.Actor, name: str) -> Archive:
    policy.require_platform_staff(actor)
    for archive in archives():
        if archive.name == name:
            return archive
    raise Http404(policy.NOT_FOUND)


def archive_create(*, actor: policy.Actor, organisation: Organisation) -> Archive:
    """Dump the organisation's schema and write its platform rows, files and customer bundle."""
    policy.require_platform_staff(actor)
    program = pg_program("pg_dump")
    _check_version(program)
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    path = archive_root() / f"{organisation.slug}-{stamp}"
    path.mkdir()
    try:
        args, env = _connection_args()
        _run(
            [
                program,
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--schema={organisation.schema_name}",
                f"--file={path / 'schema.dump'}",
            ],
            env,
        )
        platform = _platform_rows(organisation)
        (path / "platform.json").write_text(json.dumps(platform, cls=DjangoJSONEncoder, indent=1))
        media = Path(settings.MEDIA_ROOT) / organisation.schema_name
        if media.is_dir():
            shutil.copytree(media, path / "media")
        with schema_context(organisation.schema_name):
            bundle_write(target=path / "bundle.zip", organisation=organisation, platform=platform)
    except Exception:
        shutil.rmtree(path, ignore_errors=True)
        raise
    for file in path.rglob("*"):
        file.chmod(0o600 if file.is_file() else 0o700)
    path.chmod(0o700)
    PlatformEvent.objects.create(
        actor_id=actor.user_id,
        organisation=organisation,
        action="organisation.exported",
        detail={"slug": organisation.slug, "archive": path.name},
    )
    return archives(slug=organisation.slug)[0]


def _platform_rows(organisation: Organisation) -> dict:
    memberships = list(Membership.objects.filter(organisation=organisation).order_by("pk"))
    users = User.objects.filter(pk__in={m.user_id for m in memberships}).order_by("pk")
    return {
        "format": "coaching-portal-organisation/1",
        "organisation": serializers.serialize("python", [organisation])[0],
        "domains": [{"domain": d.domain, "is_primary": d.is_primary} for d in organisation.domains.order_by("pk")],
        "memberships": [
            {"user": m.user_id, "role": m.role, "is_active": m.is_active, "created_at": m.created_at}
            for m in memberships
        ],
        "users": [{"id": user.pk, **{name: getattr(user, name) for name in USER_FIELDS}} for user in users],
        "row_counts": _row_counts(organisation.schema_name),
    }


def _row_counts(schema: str) -> dict[str, int]:
    """Rows per table of a schema, counted exactly (the restore drill compares them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def row_counts(*, organisation: Organisation) -> dict[str, int]:
    return _row_counts(organisation.schema_name)


def bundle_write(*, target: Path, organisation: Organisation, platform: dict | None = None) -> None:
    """The customer's bundle: people and administrative records as JSON and as CSV (for Excel), run in the
    organisation's schema. Every field goes through the data map's rule: no secret is ever written."""
    platform = platform if platform is not None else _platform_rows(organisation)
    user_fields = data_map.checked_fields(settings.AUTH_USER_MODEL, PEOPLE_FIELDS)
    tables = [(label, data_map.checked_fields(label, ("id", *fields))[1:]) for label, fields in BUNDLE]
    people = [
        {
            **{name: user[name] for name in user_fields},
            "roles": sorted({m["role"] for m in platform["memberships"] if m["user"] == user["id"] and m["is_active"]}),
        }
        for user in platform["users"]
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("README.txt", _bundle_readme(organisation))
        bundle.writestr("json/people.json", json.dumps(people, indent=1, ensure_ascii=False))
        bundle.writestr(
            "csv/people.csv",
            csv_text(
                [*user_fields, "roles"], ([*(p[name] for name in user_fields), " ".join(p["roles"])] for p in people)
            ),
        )
        for label, fields in tables:
            model = apps.get_model(label)
            rows = list(model._default_manager.order_by("pk").values("pk", *fields))
            name = model._meta.model_name
            bundle.writestr(f"json/{name}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False))
            bundle.writestr(
                f"csv/{name}.csv", csv_text(["id", *fields], ([row["pk"], *(row[f] for f in fields)] for row in rows))
            )


def _bundle_readme(organisation: Organisation) -> str:
    return (
        f"{organisation.name}: administrative data exported {timezone.now():%Y-%m-%d %H:%M} UTC.\n\n"
        "json/ and csv/ hold the same records: people and their roles, programmes, phases, cohorts, "
        "employee profiles, enrolments and their history, coaching agreements and who accepted them, "
        "sessions (times and modes), attendance, 1:1 credits and the administrative audit.\n"
        "Coaching content (assessment answers, scores, reflections, goals, feedback and notes) is not "
        "included: it belongs to each employee and their coach, who can export their own.\n"
        "CSV files are UTF-8 with a byte order mark; ids link the files to one another.\n"
    )


def archives_expire(*, now=None) -> list[str]:
    """Delete archives older than OFFBOARDING_ARCHIVE_KEEP_DAYS (they hold coaching content too)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OFFBOARDING_ARCHIVE_KEEP_DAYS)
    expired = [archive for archive in archives() if archive.created_at < cutoff]
    for archive in expired:
        shutil.rmtree(archive.path, ignore_errors=True)
    return [archive.name for archive in expired]


# --- deleting -------------------------------------------------------------------------------------------


def organisation_delete(*, actor: policy.Actor, organisation: Organisation, confirm_slug: str) -> dict:
    """Delete the organisation: schema, domains, public rows and files, after a fresh archive and the
    typed confirmation. Returns what was removed."""
    policy.require_platform_staff(actor)
    if confirm_slug != organisation.slug:
        raise ValidationError(
            _("That is not this organisation's address (%(slug)s). Nothing was deleted.") % {"slug": organisation.slug}
        )
    latest = next(iter(archives(slug=organisation.slug)), None)
    if latest is None or timezone.now() - latest.created_at > FRESH_FOR:
        raise ValidationError(
            _(
                "Export the organisation first: deleting needs an archive made in the last "
                "24 hours. Nothing was deleted."
            )
        )
    if organisation.schema_name in ("public", settings.TENANT_BASE_SCHEMA):
        raise ValidationError(_("This schema cannot be deleted."))
    with transaction.atomic():
        people = set(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))
        domains = list(organisation.domains.values_list("domain", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{organisation.schema_name}" CASCADE')
        Domain.objects.filter(tenant=organisation).delete()
        PlatformEvent.objects.create(
            actor_id=actor.user_id,
            organisation=None,
            action="organisation.offboarded",
            detail={"slug": organisation.slug, "name": organisation.name, "archive": latest.name, "domains": domains},
        )
        Organisation.objects.filter(pk=organisation.pk).delete()
        closed = _close_orphans(people)
    media = Path(settings.MEDIA_ROOT) / organisation.schema_name
    if media.is_dir():
        shutil.rmtree(media, ignore_errors=True)
    return {"domains": domains, "accounts_closed": closed, "archive": latest.name}


def _close_orphans(user_ids: set[int]) -> int:
    """People who now belong nowhere: their accounts are emptied (the rows stay for a restore)."""
    orphans = User.objects.filter(pk__in=user_ids, is_staff=False).exclude(pk__in=Membership.objects.values("user_id"))
    closed = 0
    for person in orphans:
        account_close(person=person)
        closed += 1
    return closed


# --- restoring ------------------------------------------------------------------------------------------


def archive_restore(*, archive_path: Path, actor=None) -> Organisation:
    """Bring an archived organisation back: its public rows and accounts, then its schema and files."""
    platform = json.loads((archive_path / "platform.json").read_text())
    fields = platform["organisation"]["fields"]
    slug = fields["slug"]
    if Organisation.objects.filter(slug=slug).exists() or schema_exists(fields["schema_name"]):
        raise ValidationError(
            _("An organisation with the address %(slug)s exists; it cannot be restored over it.") % {"slug": slug}
        )
    program = pg_program("pg_restore")
    _check_version(program)
    with transaction.atomic():
        organisation = Organisation(
            pk=platform["organisation"]["pk"],
            **{name: value for name, value in fields.items() if name in {f.name for f in Organisation._meta.fields}},
        )
        organisation.save()
        Organisation.objects.filter(pk=organisation.pk).update(created_at=fields["created_at"])
        for domain in platform["domains"]:
            Domain.objects.create(domain=domain["domain"], is_primary=domain["is_primary"], tenant=organisation)
        _restore_users(platform["users"])
        Membership.objects.bulk_create(
            Membership(user_id=m["user"], organisation=organisation, role=m["role"], is_active=m["is_active"])
            for m in platform["memberships"]
        )
    args, env = _connection_args()
    try:
        _run(
            [
                program,
                *args,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(archive_path / "schema.dump"),
            ],
            env,
        )
    except OffboardingError:
        Domain.objects.filter(tenant_id=organisation.pk).delete()
        Organisation.objects.filter(pk=organisation.pk).delete()
        raise
    if (archive_path / "media").is_dir():
        shutil.copytree(
            archive_path / "media", Path(settings.MEDIA_ROOT) / organisation.schema_name, dirs_exist_ok=True
        )
    PlatformEvent.objects.create(
        actor=actor,
        organisation=organisation,
        action="organisation.restored",
        detail={"slug": slug, "archive": archive_path.name},
    )
    return organisation


def _restore_users(users: list[dict]) -> None:
    """Accounts come back as they were archived: refilled if emptied, created if gone; an address now
    used by someone else stops the restore."""
    for row in users:
        existing = User.objects.filter(pk=row["id"]).first()
        clash = User.objects.filter(email=row["email"]).exclude(pk=row["id"]).first()
        if clash is not None:
            raise ValidationError(
                _("%(email)s now belongs to another account; the organisation was not restored.")
                % {"email": row["email"]}
            )
        if existing is None:
            User.objects.create(pk=row["id"], **{name: row[name] for name in USER_FIELDS})
        elif existing.email.endswith("@erased.invalid"):
            for name in USER_FIELDS:
                if name != "date_joined":
                    setattr(existing, name, row[name])
            existing.save(update_fields=[name for name in USER_FIELDS if name != "date_joined"])
