"""What provisioning does to people in the organisation: SCIM Users made, replaced, (de)activated, deleted.

The rules, in the organisation's schema and in one transaction per request:

- **Joining** never attaches an account without its holder's consent. A new person gets an invitation to
  the employee role (tenants.services.invitation_create), whether or not their address has an account
  elsewhere, and the SCIM answer is the same either way. Only an account that already holds (or held) a
  membership in *this* organisation is linked at once: it consented when it first joined.
- **Deprovisioning** (`active` false, or DELETE) ends the person's memberships in this organisation only
  (tenants.services.membership_revoke), cancels their future 1:1 sessions here as the organisation
  (programmes.services.sessions.session_cancel: the credit goes back) and withdraws an open invitation.
  Enrolments, sessions, notes and credits stay, for the organisation's retention period.
- **Re-activation** gives back the roles deprovisioning ended (or invites again a person who never
  accepted), so access and history return together.
- **Groups are departments.** A SCIM Group is a department of the organisation (scim.models.ScimGroup);
  its members are the provisioned people whose department it is. Adding a member sets their department
  (and takes them out of the one they were in), removing one empties it, renaming a Group renames the
  department for all its members, and deleting a Group empties its members' department; nobody is
  deprovisioned by a Group. A User given a department makes its Group if there is none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import policy
from portal.policy import Actor
from programmes.models import EmployeeProfile, Session
from programmes.services.sessions import session_cancel
from scim.models import ScimGroup, ScimToken, ScimUser
from tenants import services as tenant_services
from tenants.models import Invitation, Membership, Organisation, PlatformEvent, Role, User
from webhooks import events, outbox

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


class Conflict(Exception):
    """Another provisioned person already has this userName."""


@dataclass(frozen=True)
class Caller:
    """The organisation's HR system, calling with one of its SCIM tokens."""

    organisation: Organisation
    token: ScimToken

    @property
    def user(self) -> User | None:
        return self.token.created_by

    @property
    def actor(self) -> Actor:
        # Acting as the organisation: session_cancel then treats the cancellation as the organiser's.
        return Actor(user=self.user, organisation=self.organisation, roles=frozenset({policy.HR_MANAGER}))


@dataclass(frozen=True)
class Person:
    """What we read from a SCIM User: its keys and the address an invitation goes to."""

    user_name: str
    external_id: str
    email: str
    active: bool
    first_name: str
    last_name: str
    resource: dict


def resolve(scim_user: ScimUser) -> ScimUser:
    """Link the account once the person has accepted their invitation."""
    if scim_user.user_id is None and scim_user.invitation is not None:
        accepted = (
            Invitation.objects.filter(pk=scim_user.invitation, status=Invitation.Status.ACCEPTED)
            .values_list("user_id", flat=True)
            .first()
        )
        if accepted is not None:
            scim_user.user_id = accepted
            ScimUser.objects.filter(pk=scim_user.pk).update(user_id=accepted)
            profile_sync(scim_user)
    return scim_user


def profile_sync(scim_user: ScimUser) -> None:
    """The member's employee profile here (department, job title, manager) as the HR system describes it:
    only what it sends, and a manager only when the manager is a provisioned member of this organisation."""
    if scim_user.user_id is None:
        return
    resource = scim_user.resource or {}
    enterprise = resource.get(ENTERPRISE) or {}
    details = {}
    if enterprise.get("department"):
        details["department"] = str(enterprise["department"])[:120]
    if resource.get("title"):
        details["job_title"] = str(resource["title"])[:120]
    manager_ref = (enterprise.get("manager") or {}).get("value")
    if manager_ref:
        manager_id = (
            ScimUser.objects.filter(pk=manager_ref, user__isnull=False).values_list("user_id", flat=True).first()
            if _is_uuid(str(manager_ref))
            else None
        )
        if manager_id is not None and manager_id != scim_user.user_id:
            details["manager_id"] = manager_id
    if details:
        EmployeeProfile.objects.update_or_create(user_id=scim_user.user_id, defaults=details)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _member_here(email: str, organisation: Organisation) -> User | None:
    """The account of `email` if it holds or held a membership in this organisation; otherwise None, and
    nothing about whether the address has an account anywhere else is looked at further."""
    membership = Membership.objects.filter(user__email=email, organisation=organisation).select_related("user").first()
    return membership.user if membership is not None else None


def _invite(caller: Caller, scim_user: ScimUser, person: Person) -> None:
    invitation = tenant_services.invitation_create(
        email=person.email,
        organisation=caller.organisation,
        role=Role.EMPLOYEE,
        acting_user=caller.user,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    scim_user.invitation = invitation.pk


def _withdraw_invitation(caller: Caller, scim_user: ScimUser) -> None:
    if scim_user.invitation is None:
        return
    invitation = (
        Invitation.objects.select_for_update().filter(pk=scim_user.invitation, status=Invitation.Status.PENDING).first()
    )
    if invitation is not None:
        invitation.status, invitation.ended_at = Invitation.Status.CANCELLED, timezone.now()
        invitation.save(update_fields=["status", "ended_at"])


def _activate(caller: Caller, scim_user: ScimUser, person: Person) -> None:
    if scim_user.user_id is None:
        account = _member_here(person.email, caller.organisation)
        if account is not None:
            scim_user.user = account
    if scim_user.user_id is not None:
        roles = scim_user.ended_roles or [Role.EMPLOYEE]
        already = set(
            Membership.objects.filter(
                user_id=scim_user.user_id, organisation=caller.organisation, is_active=True
            ).values_list("role", flat=True)
        )
        if not already or scim_user.ended_roles:
            for role in roles:
                if role not in already:
                    membership = tenant_services.membership_grant(
                        user=scim_user.user, organisation=caller.organisation, role=role, acting_user=caller.user
                    )
                    outbox.membership(membership, events.PERSON_JOINED)
        scim_user.ended_roles = []
    else:
        _invite(caller, scim_user, person)


def _deactivate(caller: Caller, scim_user: ScimUser) -> None:
    resolve(scim_user)
    if scim_user.user_id is None:
        _withdraw_invitation(caller, scim_user)
        return
    memberships = list(
        Membership.objects.select_for_update().filter(
            user_id=scim_user.user_id, organisation=caller.organisation, is_active=True
        )
    )
    for membership in memberships:
        tenant_services.membership_revoke(membership=membership, acting_user=None)
    scim_user.ended_roles = sorted({*scim_user.ended_roles, *(m.role for m in memberships)})
    upcoming = Session.objects.filter(
        kind=Session.Kind.INDIVIDUAL,
        enrolment__employee_id=scim_user.user_id,
        status=Session.Status.SCHEDULED,
        starts_at__gt=timezone.now(),
    ).order_by("starts_at")
    for session in upcoming:
        session_cancel(actor=caller.actor, session=session)


def _audit(caller: Caller, action: str, scim_user: ScimUser) -> None:
    PlatformEvent.objects.create(
        actor=caller.user,
        organisation=caller.organisation,
        action=action,
        detail={"scim_user": str(scim_user.pk), "token": caller.token.pk, "active": scim_user.active},
    )


def _taken(key: str, exclude: ScimUser | None = None) -> bool:
    rows = ScimUser.objects.filter(user_name_key=key)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.exists()


@transaction.atomic
def scim_user_create(*, caller: Caller, person: Person) -> ScimUser:
    key = person.user_name.lower()
    if _taken(key):
        raise Conflict
    scim_user = ScimUser(
        user_name=person.user_name,
        user_name_key=key,
        external_id=person.external_id,
        email=person.email,
        active=person.active,
        resource=person.resource,
    )
    if person.active:
        _activate(caller, scim_user, person)
    scim_user.save()
    profile_sync(scim_user)
    group_for_department((person.resource.get(ENTERPRISE) or {}).get("department"))
    _audit(caller, "scim.user_created", scim_user)
    return scim_user


@transaction.atomic
def scim_user_replace(*, caller: Caller, scim_user: ScimUser, person: Person) -> ScimUser:
    scim_user = ScimUser.objects.select_for_update().get(pk=scim_user.pk)
    resolve(scim_user)
    key = person.user_name.lower()
    if _taken(key, exclude=scim_user):
        raise Conflict
    was_active, address_changed = scim_user.active, person.email != scim_user.email
    scim_user.user_name, scim_user.user_name_key = person.user_name, key
    scim_user.external_id, scim_user.email, scim_user.resource = person.external_id, person.email, person.resource
    scim_user.active = person.active
    if was_active and not person.active:
        _deactivate(caller, scim_user)
    elif person.active and not was_active:
        if address_changed:
            scim_user.invitation = None
        _activate(caller, scim_user, person)
    elif person.active and address_changed and scim_user.user_id is None:
        # Not joined yet: the invitation follows the new address.
        _withdraw_invitation(caller, scim_user)
        _invite(caller, scim_user, person)
    scim_user.version += 1
    scim_user.save()
    profile_sync(scim_user)
    group_for_department((person.resource.get(ENTERPRISE) or {}).get("department"))
    if was_active != person.active:
        _audit(caller, "scim.user_activated" if person.active else "scim.user_deactivated", scim_user)
    return scim_user


@transaction.atomic
def scim_user_delete(*, caller: Caller, scim_user: ScimUser) -> None:
    """The HR system forgets the person: deprovisioned as with `active` false; their data stays."""
    scim_user = ScimUser.objects.select_for_update().get(pk=scim_user.pk)
    if scim_user.active:
        _deactivate(caller, scim_user)
    scim_user.active = False
    _audit(caller, "scim.user_deleted", scim_user)
    scim_user.delete()


# --- groups: the organisation's departments -------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    """What we read from a SCIM Group: its name, and its members (SCIM User ids) when they are given."""

    display_name: str
    external_id: str
    members: list[str] | None  # None: leave the members as they are
    displays: dict[str, str] | None = None  # the `display` given with a member, by its id


class UnknownMember(Exception):
    """A member that is not a provisioned person of this organisation; `value` names it."""

    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


def group_members(group: ScimGroup):
    """The provisioned people whose department it is: their employee profile's once they have joined, the
    department the HR system sent before that."""
    joined = EmployeeProfile.objects.filter(department__iexact=group.display_name).values("user_id")
    return ScimUser.objects.filter(
        Q(user__isnull=False, user_id__in=joined)
        | Q(user__isnull=True, **{f"resource__{ENTERPRISE}__department__iexact": group.display_name})
    ).order_by("created_at", "id")


def group_for_department(name: str) -> ScimGroup | None:
    """The Group of a department a User was given (made when it is new), so every department is a Group."""
    name = str(name or "").strip()[:120]
    if not name:
        return None
    group, _made = ScimGroup.objects.get_or_create(display_name_key=name.lower(), defaults={"display_name": name})
    return group


def _department_set(scim_user: ScimUser, name: str) -> None:
    """The person's department is `name` (or none, ""): in what the HR system sent, and in the employee
    profile once they have joined."""
    resource = dict(scim_user.resource or {})
    enterprise = dict(resource.get(ENTERPRISE) or {})
    if name:
        enterprise["department"] = name
        resource["schemas"] = sorted({*resource.get("schemas", []), ENTERPRISE}, key=lambda urn: urn != USER_SCHEMA)
    else:
        enterprise.pop("department", None)
    resource[ENTERPRISE] = enterprise
    scim_user.resource = resource
    scim_user.version += 1
    scim_user.save(update_fields=["resource", "version", "updated_at"])
    if scim_user.user_id is not None:
        EmployeeProfile.objects.update_or_create(user_id=scim_user.user_id, defaults={"department": name})


def _members_set(group: ScimGroup, values: list[str], displays: dict[str, str] | None = None) -> None:
    """Exactly these people are in the department: the others in it leave it (their department is emptied),
    the new ones join it (and leave the department they were in: a person has one)."""
    wanted: dict[str, ScimUser] = {}
    for value in values:
        row = ScimUser.objects.select_for_update().filter(pk=value).first() if _is_uuid(str(value)) else None
        if row is None:
            raise UnknownMember(str(value))
        wanted[str(row.pk)] = resolve(row)
    for current in group_members(group).select_for_update():
        if str(current.pk) not in wanted:
            _department_set(current, "")
    current_ids = {str(pk) for pk in group_members(group).values_list("pk", flat=True)}
    for pk, scim_user in wanted.items():
        if pk not in current_ids:
            _department_set(scim_user, group.display_name)
    group.member_displays = {pk: text for pk, text in (displays or {}).items() if pk in wanted and text}


def _rename(group: ScimGroup, name: str) -> None:
    """The department's new name, for every member too."""
    members = list(group_members(group).select_for_update())
    group.display_name, group.display_name_key = name, name.lower()
    for member in members:
        _department_set(member, name)


def _name_taken(key: str, exclude: ScimGroup | None = None) -> bool:
    rows = ScimGroup.objects.filter(display_name_key=key)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.exists()


def _group_audit(caller: Caller, action: str, group: ScimGroup) -> None:
    PlatformEvent.objects.create(
        actor=caller.user,
        organisation=caller.organisation,
        action=action,
        detail={"scim_group": str(group.pk), "token": caller.token.pk},
    )


@transaction.atomic
def scim_group_create(*, caller: Caller, department: Department) -> ScimGroup:
    name = department.display_name
    if _name_taken(name.lower()):
        raise Conflict
    group = ScimGroup.objects.create(
        display_name=name, display_name_key=name.lower(), external_id=department.external_id
    )
    if department.members:
        _members_set(group, department.members, department.displays)
        group.save(update_fields=["member_displays"])
    _group_audit(caller, "scim.group_created", group)
    return group


@transaction.atomic
def scim_group_replace(*, caller: Caller, group: ScimGroup, department: Department) -> ScimGroup:
    """A new name (every member's department follows), and, when given, exactly these members."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    name = department.display_name
    if _name_taken(name.lower(), exclude=group):
        raise Conflict
    if name != group.display_name:
        _rename(group, name)
    group.external_id = department.external_id
    if department.members is not None:
        _members_set(group, department.members, department.displays)
    group.version += 1
    group.save()
    _group_audit(caller, "scim.group_replaced", group)
    return group


@transaction.atomic
def scim_group_delete(*, caller: Caller, group: ScimGroup) -> None:
    """The department ends: its members' department is emptied; the people stay as they are otherwise."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    for member in group_members(group).select_for_update():
        _department_set(member, "")
    _group_audit(caller, "scim.group_deleted", group)
    group.delete()
