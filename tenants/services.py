"""Writes for organisations and people: provisioning, memberships, invitations, sign-in handoff."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from portal import citus
from portal.middleware import SESSION_HOST_KEY
from tenants import two_factor
from tenants.models import (
    Domain,
    HandoffToken,
    Invitation,
    Membership,
    Organisation,
    PlatformEvent,
    Role,
    User,
    slug_validator,
)
from webhooks import events, outbox

INVITATION_DAYS = 7
_signer_salt = {"handoff": "tenants.handoff", "invitation": "tenants.invitation"}
RESERVED_SLUGS = {"www", "api", "admin", "public", "static", "media", "mail", "platform", "tenant-template"}


# --- organisations ----------------------------------------------------------------------------------


def organisation_host(slug: str) -> str:
    return f"{slug}.{settings.PORTAL_DOMAIN}"


def host_url(host: str, path: str = "/", *, request: HttpRequest | None = None) -> str:
    """An absolute URL on `host`: the scheme and port of the current request, or without one (emails,
    calendar feeds, tasks) PORTAL_SCHEME and PORTAL_PORT, so development links keep `make run`'s port."""
    if request is not None:
        scheme, port = request.scheme, request.get_port()
    else:
        scheme, port = settings.PORTAL_SCHEME, settings.PORTAL_PORT
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{scheme}://{host}{suffix}{path}"


def organisation_url(organisation: Organisation, path: str = "/", *, request: HttpRequest | None = None) -> str:
    """An absolute URL on the organisation's primary host (port and scheme as `host_url`)."""
    return host_url(organisation.get_primary_domain().domain, path, request=request)


def public_url(path: str = "/", *, request: HttpRequest | None = None) -> str:
    return host_url(settings.PORTAL_DOMAIN, path, request=request)


def template_schema_ensure() -> None:
    """Create and migrate the template schema new organisations are cloned from."""
    if not schema_exists(settings.TENANT_BASE_SCHEMA):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{settings.TENANT_BASE_SCHEMA}"')
    call_command("migrate_schemas", schema_name=settings.TENANT_BASE_SCHEMA, interactive=False, verbosity=0)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_clone(*, source: str, target: str) -> None:
    """Create schema `target` as a copy of the migrated template schema `source`, in one batch of DDL.

    Tables keep their columns, defaults and identities (each with its own sequence); constraints and
    indexes keep their names, so later migrations find them; foreign keys point into the new schema or
    at the same shared tables; the template's rows (its migration records) come along. django-tenants'
    generic clone_schema() plpgsql function handles every kind of object one catalogue lookup at a time
    and slows down as organisations accumulate; the template holds only tables, so four catalogue
    queries and about two statements per table do the same job (bench/provisioning.py measures both).
    """
    citus.tables_stay_plain()  # until `citus.schema_distribute` moves the copy to a worker
    with connection.cursor() as cursor:
        layout = _schema_layout(cursor, source)
        cursor.execute(";\n".join(_schema_clone_statements(layout, source, target)))


def _schema_layout(cursor, schema: str) -> dict:
    """The tables of `schema` (columns to copy, identity columns), constraints, indexes, tables with rows."""
    cursor.execute(
        "SELECT c.relname, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
        "FILTER (WHERE a.attgenerated = ''), "
        "coalesce(array_agg(a.attname::text) FILTER (WHERE a.attidentity <> ''), '{}') "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.relnamespace = to_regnamespace(%s) AND c.relkind = 'r' GROUP BY c.relname ORDER BY c.relname",
        [schema],
    )
    tables = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, k.contype, k.conname, pg_get_constraintdef(k.oid), fn.nspname, fc.relname "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
        "WHERE c.relnamespace = to_regnamespace(%s) AND k.contype IN ('p', 'u', 'x', 'c', 'f') "
        "ORDER BY c.relname, position(k.contype IN 'puxcf'), k.conname",
        [schema],
    )
    constraints = cursor.fetchall()
    # Indexes of their own; those behind primary key, unique and exclusion constraints come with them.
    cursor.execute(
        "SELECT t.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relnamespace = to_regnamespace(%s) AND NOT EXISTS (SELECT FROM pg_constraint k "
        "WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid AND k.contype IN ('p', 'u', 'x'))",
        [schema],
    )
    indexes = cursor.fetchall()
    with_rows: set[str] = set()
    if tables:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT FROM {_quote(schema)}.{_quote(table)})" for table, *_rest in tables
            ),
            [table for table, *_rest in tables],
        )
        with_rows = {table for (table,) in cursor.fetchall()}
    return {"tables": tables, "constraints": constraints, "indexes": indexes, "with_rows": with_rows}


def _schema_clone_statements(layout: dict, source: str, target: str) -> list[str]:
    src, dst = _quote(source), _quote(target)
    inline, foreign = defaultdict(list), defaultdict(list)
    for table, kind, name, definition, referenced_schema, referenced_table in layout["constraints"]:
        if kind == "f":  # added once every table exists; into the new schema, or at the same shared table
            schema = dst if referenced_schema == source else _quote(referenced_schema)
            definition = re.sub(
                r"REFERENCES .+?\(", f"REFERENCES {schema}.{_quote(referenced_table)}(", definition, count=1
            )
            foreign[table].append(f"ADD CONSTRAINT {_quote(name)} {definition}")
        else:
            inline[table].append(f"CONSTRAINT {_quote(name)} {definition}")
    statements = [f"CREATE SCHEMA {dst}"]
    for table, _columns, _identities in layout["tables"]:
        parts = [
            f"LIKE {src}.{_quote(table)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED "
            "INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS",
            *inline[table],
        ]
        statements.append(f"CREATE TABLE {dst}.{_quote(table)} ({', '.join(parts)})")
    for table, definitions in foreign.items():
        statements.append(f"ALTER TABLE {dst}.{_quote(table)} {', '.join(definitions)}")
    for table, definition in layout["indexes"]:
        statements.append(
            re.sub(r" ON (ONLY )?\S+ USING ", f" ON \\1{dst}.{_quote(table)} USING ", definition, count=1)
        )
    for table, columns, identities in layout["tables"]:
        if table in layout["with_rows"]:
            statements.append(
                f"INSERT INTO {dst}.{_quote(table)} ({columns}) OVERRIDING SYSTEM VALUE "
                f"SELECT {columns} FROM {src}.{_quote(table)}"
            )
            # Identity sequences continue after the copied rows.
            statements += [
                f"SELECT setval(pg_get_serial_sequence({_literal(f'{dst}.{_quote(table)}')}, "
                f"{_literal(column)}), max({_quote(column)})) FROM {dst}.{_quote(table)}"
                for column in identities
            ]
    return statements


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def public_organisation_ensure() -> Organisation:
    """The row django-tenants needs for the public host."""
    organisation, _created = Organisation.objects.get_or_create(
        schema_name="public", defaults={"name": "Coaching portal", "slug": "platform"}
    )
    Domain.objects.get_or_create(domain=settings.PORTAL_DOMAIN, defaults={"tenant": organisation, "is_primary": True})
    return organisation


def _validate_new_organisation(name: str, slug: str, language: str) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = _("Give the organisation a name.")
    try:
        slug_validator(slug)
    except ValidationError as error:
        errors["slug"] = error.messages[0]
    else:
        if slug in RESERVED_SLUGS:
            errors["slug"] = _("This address is reserved.")
        elif Organisation.objects.filter(slug=slug).exists() or schema_exists(slug.replace("-", "_")):
            errors["slug"] = _("An organisation with this address already exists.")
    if language not in dict(settings.LANGUAGES):
        errors["default_language"] = _("Choose English or Dutch.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organisation_create(
    *,
    name: str,
    slug: str,
    hr_email: str = "",
    default_language: str = "en",
    acting_user: User | None = None,
    hr_first_name: str = "",
    hr_last_name: str = "",
) -> Organisation:
    """Provision an organisation: its row, its domain and its schema, cloned from the migrated template.

    Everything happens in one transaction (PostgreSQL DDL is transactional): a failure leaves neither a
    schema without its rows nor rows without their schema.
    """
    slug = slug.strip().lower()
    _validate_new_organisation(name, slug, default_language)
    organisation = Organisation.objects.create(
        name=name.strip(), slug=slug, schema_name=slug.replace("-", "_"), default_language=default_language
    )
    Domain.objects.create(domain=organisation_host(slug), tenant=organisation, is_primary=True)
    # The template's django_migrations rows come along with the clone, so the new schema is exactly
    # as migrated as the template: no migration needs replaying or faking.
    schema_clone(source=settings.TENANT_BASE_SCHEMA, target=organisation.schema_name)
    # On a Citus cluster the new schema moves whole to a worker node (nothing happens without Citus).
    citus.schema_distribute(organisation.schema_name)
    PlatformEvent.objects.create(
        actor=acting_user, organisation=organisation, action="organisation.created", detail={"slug": slug}
    )
    if hr_email:
        invitation_create(
            email=hr_email,
            first_name=hr_first_name,
            last_name=hr_last_name,
            organisation=organisation,
            role=Role.HR_MANAGER,
            acting_user=acting_user,
        )
    return organisation


def organisation_update(*, organisation: Organisation, form, acting_user: User) -> Organisation:
    """Save the organisation settings form and record what changed (never the values)."""
    changed = list(form.changed_data)
    organisation = form.save()
    if changed:
        PlatformEvent.objects.create(
            actor=acting_user,
            organisation=organisation,
            action="organisation.settings_changed",
            detail={"fields": changed},
        )
    return organisation


# --- people -----------------------------------------------------------------------------------------


def user_get_or_create(*, email: str, first_name: str = "", last_name: str = "") -> User:
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, first_name=first_name, last_name=last_name)
    return user


def membership_grant(
    *, user: User, organisation: Organisation, role: str, acting_user: User | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        created = True
    if created:
        PlatformEvent.objects.create(
            actor=acting_user,
            organisation=organisation,
            action="membership.granted",
            detail={"user": user.pk, "role": role},
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, acting_user: User | None) -> None:
    """End a role here; an HR manager cannot end their own HR role (someone must be left to manage).
    `acting_user` is None when the organisation's HR system ends it (SCIM deprovisioning)."""
    if acting_user is not None and membership.user_id == acting_user.pk and membership.role == Role.HR_MANAGER:
        raise ValidationError(_("You cannot remove your own HR manager role."))
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    outbox.membership(membership, events.PERSON_DEACTIVATED)
    PlatformEvent.objects.create(
        actor=acting_user,
        organisation=membership.organisation,
        action="membership.revoked",
        detail={"user": membership.user_id, "role": membership.role},
    )


def _open_invitations():
    """Invitations that can still be accepted: pending and not expired."""
    return Invitation.objects.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


@transaction.atomic
def invitation_create(
    *,
    email: str,
    organisation: Organisation,
    role: str,
    acting_user: User | None,
    first_name: str = "",
    last_name: str = "",
    send: bool = True,
) -> Invitation:
    """Offer `role` in `organisation` to whoever holds `email`, by an emailed link.

    Nobody becomes a member here: the membership is made when the person accepts. Whether the address
    has an account (here or in another organisation) is not looked at, so the answer, the writes and
    the time taken are the same either way and the inviting organisation learns nothing about it. An
    open invitation to the same address for the same role is renewed rather than repeated. (Invitations
    that enrol someone are written by the enrolment import, programmes.services.imports.)
    """
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(user__email=email, organisation=organisation, role=role, is_active=True).exists():
        raise ValidationError({"email": _("%(email)s already has this role here.") % {"email": email}})
    invitation = (
        Invitation.objects.select_for_update()
        .filter(
            email=email, organisation=organisation, role=role, status=Invitation.Status.PENDING, cohort__isnull=True
        )
        .first()
    )
    expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    if invitation is None:
        invitation = Invitation.objects.create(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            organisation=organisation,
            role=role,
            invited_by=acting_user,
            expires_at=expires_at,
        )
    else:
        invitation.first_name, invitation.last_name = first_name.strip(), last_name.strip()
        invitation.invited_by, invitation.expires_at = acting_user, expires_at
        invitation.save(update_fields=["first_name", "last_name", "invited_by", "expires_at"])
    outbox.invitations([{"role": role}], schema=organisation.schema_name)
    if send:
        transaction.on_commit(lambda: invitation_send(invitation))
    return invitation


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """HR: send a pending invitation again, valid for another INVITATION_DAYS from now."""
    locked = _locked_invitation(invitation, organisation=actor.organisation)
    locked.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    locked.save(update_fields=["expires_at"])
    transaction.on_commit(lambda: invitation_send(locked))
    return locked


@transaction.atomic
def invitation_cancel(*, actor, invitation: Invitation) -> Invitation:
    """HR: withdraw a pending invitation; its link stops working at once."""
    locked = _locked_invitation(invitation, organisation=actor.organisation)
    _end(locked, Invitation.Status.CANCELLED)
    PlatformEvent.objects.create(
        actor=actor.user,
        organisation=locked.organisation,
        action="invitation.cancelled",
        detail={"invitation": str(locked.pk), "role": locked.role},
    )
    return locked


def _locked_invitation(
    invitation: Invitation, *, organisation: Organisation | None = None, email: str | None = None
) -> Invitation:
    """The invitation's row, locked until the transaction ends, if it is still pending (and, when given,
    of this organisation or addressed to this email); otherwise a ValidationError."""
    locked = Invitation.objects.select_for_update().select_related("organisation").filter(pk=invitation.pk).first()
    if (
        locked is None
        or locked.status != Invitation.Status.PENDING
        or (organisation is not None and locked.organisation_id != organisation.pk)
        or (email is not None and locked.email != email.lower())
    ):
        raise ValidationError(_("This invitation is no longer open."))
    return locked


def _end(invitation: Invitation, status: str) -> None:
    invitation.status, invitation.ended_at = status, timezone.now()
    invitation.save(update_fields=["status", "ended_at"])


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.pk), salt=_signer_salt["invitation"])


def invitation_send(invitation: Invitation) -> None:
    """Email one invitation (see invitations_send)."""
    invitations_send(invitation_ids=[invitation.pk])


def invitations_send(*, invitation_ids: list) -> int:
    """Email the open invitations named, each in its reader's language, over one mail connection.

    The one way invitations are sent: one at a time after `invitation_create`, and in bulk after a CSV
    import commits. Each organisation's address and each language is set up once, however many people
    are invited. Someone who has an account already is asked to accept while signed in (their password
    is never set through the link); everyone else sets a password. Returns how many emails were sent.
    """
    invitations = list(
        _open_invitations().filter(pk__in=invitation_ids).select_related("organisation").order_by("organisation_id")
    )
    accounts = {user.email: user for user in User.objects.filter(email__in={i.email for i in invitations})}
    groups: dict[tuple[int, str], list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        account = accounts.get(invitation.email)
        language = (account.language if account else "") or invitation.organisation.default_language
        groups[(invitation.organisation_id, language)].append(invitation)
    template = get_template("tenants/email/invitation.txt")
    messages = []
    for (_organisation_id, language), group in groups.items():
        organisation = group[0].organisation
        base = organisation_url(organisation, "/invitation/")
        with translation.override(language):
            subject = _("You are invited to %(organisation)s's coaching portal") % {"organisation": organisation.name}
            for invitation in group:
                account = accounts.get(invitation.email)
                body = template.render(
                    {
                        "organisation": organisation,
                        "name": account.get_short_name() if account else invitation.first_name or invitation.email,
                        "role": invitation.get_role_display(),
                        "days": INVITATION_DAYS,
                        "has_account": account is not None and account_in_use(account),
                        "link": f"{base}{invitation_token(invitation)}/",
                        "home": public_url("/"),
                    }
                )
                messages.append(mail.EmailMessage(subject, body, None, [invitation.email]))
    with mail.get_connection() as mail_connection:
        for start in range(0, len(messages), 500):
            mail_connection.send_messages(messages[start : start + 500])
    return len(messages)


def invitation_from_token(token: str, *, organisation: Organisation) -> Invitation | None:
    """The open invitation a link names, or None when it is forged, expired, used, declined, cancelled
    or for another host."""
    try:
        pk = signing.loads(token, salt=_signer_salt["invitation"], max_age=timedelta(days=INVITATION_DAYS))
    except signing.BadSignature:
        return None
    return _open_invitations().filter(pk=pk, organisation=organisation).first()


def account_in_use(user: User | None) -> bool:
    """Whether an account belongs to someone already: it has a password, has signed in or holds a role.
    Such an account accepts invitations only while signed in; an invitation link never sets its password."""
    if user is None:
        return False
    return (
        user.has_usable_password()
        or user.last_login is not None
        or Membership.objects.filter(user=user, is_active=True).exists()
    )


def invitation_account(invitation: Invitation) -> User | None:
    return User.objects.filter(email=invitation.email).first()


@transaction.atomic
def invitation_accept_with_password(*, invitation: Invitation, password: str) -> User:
    """A new address accepts through the link: the account is made (or, if an earlier invitation made it
    and nobody ever used it, completed) with this password and the names HR entered.

    An account in use is refused: whoever holds a link must never be able to set its password."""
    locked = _locked_invitation(invitation)
    if locked.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    user = User.objects.select_for_update().filter(email=locked.email).first()
    if account_in_use(user):
        raise ValidationError(_("This email address has an account already. Sign in to accept the invitation."))
    if user is None:
        user = User.objects.create_user(
            email=locked.email, password=password, first_name=locked.first_name, last_name=locked.last_name
        )
    else:
        user.set_password(password)
        user.first_name, user.last_name = user.first_name or locked.first_name, user.last_name or locked.last_name
        user.is_active = True
        user.save(update_fields=["password", "first_name", "last_name", "is_active"])
    _invitation_complete(locked, user)
    return user


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The signed-in holder of the invited address accepts: from now on they are a member here. Their
    password and names stay as they are. Once only: the row lock makes a second, concurrent accept fail."""
    locked = _locked_invitation(invitation, email=user.email)
    if locked.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    return _invitation_complete(locked, user)


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: User | None) -> Invitation:
    """The holder of the invited address says no (signed in, or through the emailed link: `user` None);
    the invitation ends. Anyone invited can decline, with or without an account, so the invitation
    ending tells the inviting organisation nothing about the address."""
    locked = _locked_invitation(invitation, email=user.email if user is not None else None)
    _end(locked, Invitation.Status.DECLINED)
    return locked


def _invitation_complete(invitation: Invitation, user: User) -> Membership:
    membership = membership_grant(
        user=user, organisation=invitation.organisation, role=invitation.role, acting_user=user
    )
    invitation.status, invitation.user, invitation.accepted_at = Invitation.Status.ACCEPTED, user, timezone.now()
    invitation.save(update_fields=["status", "user", "accepted_at"])
    outbox.membership(membership, events.PERSON_JOINED)
    if invitation.cohort is not None:
        # The enrolment HR asked for is made now, in the organisation's schema.
        with schema_context(invitation.organisation.schema_name):
            for path in INVITATION_ACCEPTED:
                import_string(path)(invitation=invitation, user=user)
    return membership


# What accepting an invitation with an enrolment does in the organisation's schema (the programmes app
# makes the enrolment); each function takes (invitation, user).
INVITATION_ACCEPTED: list[str] = ["programmes.services.imports.invitation_enrol"]


# --- signing in -------------------------------------------------------------------------------------


def session_sign_in(request: HttpRequest, user: User, *, second_factor: bool = False) -> None:
    """Sign in on this host only: the session is bound to the host's schema (see MembershipMiddleware).

    `second_factor` says the code step passed (here, or on the host a handoff ticket came from); an account
    with a second factor gets no session without it (tenants.two_factor.session_state)."""
    state = two_factor.session_state(user=user, second_factor=second_factor)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_HOST_KEY] = connection.schema_name
    if state:
        request.session[two_factor.SESSION_KEY] = state


# The handoff is bound to the browser that asked for it. Browsers keep a cookie for `localhost` on
# `localhost` alone (Domain=localhost reaches no `<slug>.localhost`), so no cookie can be shared: instead
# the organisation host first gives the browser a random nonce in its own cookie, and the ticket carries
# the nonce's hash. A ticket opened anywhere else (a forwarded link, a link planted to sign a victim into
# someone else's account) finds no matching cookie and signs nobody in.
HANDOFF_COOKIE = "portal_handoff"


def handoff_nonce() -> str:
    return secrets.token_urlsafe(32)


def handoff_binding(nonce: str) -> str:
    """What the ticket carries of the browser's nonce: its hash, so the URL never holds the nonce itself."""
    return hashlib.sha256(f"{_signer_salt['handoff']}:{nonce}".encode()).hexdigest()


def handoff_create(
    *, user: User, organisation: Organisation, binding: str, next_path: str = "/", second_factor: bool = False
) -> str:
    """A signed single-use ticket for `user` to enter `organisation` without signing in again, valid only
    in the browser whose nonce hashes to `binding`."""
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        raise ValidationError(_("You are not a member of this organisation."))
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    ticket = HandoffToken.objects.create(
        user=user,
        organisation=organisation,
        next_path=next_path,
        second_factor=second_factor,
        expires_at=timezone.now() + timedelta(seconds=settings.HANDOFF_MAX_AGE_SECONDS),
    )
    return signing.dumps({"ticket": str(ticket.pk), "binding": binding}, salt=_signer_salt["handoff"])


def _handoff_ticket_id(token: str, nonce: str) -> str | None:
    try:
        payload = signing.loads(token, salt=_signer_salt["handoff"], max_age=settings.HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not nonce:
        return None
    if not constant_time_compare(str(payload.get("binding", "")), handoff_binding(nonce)):
        return None
    return str(payload.get("ticket", ""))


def _handoff_usable(ticket: HandoffToken, organisation: Organisation) -> bool:
    return (
        ticket.user.is_active
        and Membership.objects.filter(user=ticket.user, organisation=organisation, is_active=True).exists()
    )


def handoff_pending(*, token: str, organisation: Organisation, nonce: str) -> HandoffToken | None:
    """The ticket `handoff_consume` would spend now, without spending it (to ask before switching)."""
    pk = _handoff_ticket_id(token, nonce)
    if pk is None:
        return None
    ticket = (
        HandoffToken.objects.select_related("user")
        .filter(pk=pk, organisation=organisation, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    return ticket if ticket is not None and _handoff_usable(ticket, organisation) else None


def handoff_consume(*, token: str, organisation: Organisation, nonce: str) -> HandoffToken | None:
    """Spend a ticket once, on the host it was made for, within its minute, in the browser holding the
    nonce it was bound to; None otherwise."""
    pk = _handoff_ticket_id(token, nonce)
    if pk is None:
        return None
    now = timezone.now()
    # One UPDATE decides: of two requests with the same ticket, only one sees a row change.
    spent = HandoffToken.objects.filter(
        pk=pk, organisation=organisation, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not spent:
        return None
    ticket = HandoffToken.objects.select_related("user").get(pk=pk)
    return ticket if _handoff_usable(ticket, organisation) else None
