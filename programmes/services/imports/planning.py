"""The import itself: the rows checked against what the database knows (cohorts, seats, coaches, who is an
employee here already), under a lock on the cohorts concerned, and, when every row is right, written in one
transaction with one statement for each kind of row (`bulk_insert`). Also the one-person form's
`enrolment_add` and `invitation_enrol`, which enrols someone invited once they accept."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.selectors import Room
from matching.services import coach_rooms_held
from portal import policy
from portal.policy import Actor
from portal.tasks import enqueue_after_commit
from programmes.models import (
    LIVE_STATUSES,
    Agreement,
    AgreementAcceptance,
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    Programme,
)
from programmes.selectors.programmes import invited_seats
from programmes.services.imports.parsing import Checker, Row, RowError, check_row, parse_csv
from tenants.models import Invitation, Membership, Organisation, PlatformEvent, Role, User
from tenants.services import INVITATION_DAYS
from tenants.tasks import invitations_send_task
from webhooks import events, outbox

BATCH = 2000


# --- results --------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    rows: int = 0
    enrolled: int = 0  # new enrolments
    unchanged: int = 0  # already enrolled in that cohort
    updated: int = 0  # already enrolled, profile changed
    invited: int = 0  # of the enrolled, those enrolled once they accept their invitation
    without_coach: int = 0  # of the enrolled now, those whose cohort's coaches are all fully booked
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.enrolled or self.updated)

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "enrolled": self.enrolled,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "invited": self.invited,
            "without_coach": self.without_coach,
            "ignored_columns": self.ignored_columns,
        }

    def message(self) -> str:
        return outcome_message(self.summary(), errors=len(self.errors))


def outcome_message(summary: dict, *, errors: int = 0) -> str:
    """One sentence on what an import did (also for imports stored earlier)."""
    if errors:
        return ngettext(
            "Nothing was imported: %(count)s problem needs fixing first.",
            "Nothing was imported: %(count)s problems need fixing first.",
            errors,
        ) % {"count": errors}
    if not summary.get("enrolled") and not summary.get("updated"):
        return _("Nothing changed: everyone in this file is already enrolled or invited as it says.")
    parts = []
    if summary.get("enrolled"):
        parts.append(
            ngettext("%(count)s person enrolled", "%(count)s people enrolled", summary["enrolled"])
            % {"count": summary["enrolled"]}
        )
    if summary.get("without_coach"):
        parts.append(
            ngettext(
                "%(count)s of them without a coach for now (no coach of their cohort has room)",
                "%(count)s of them without a coach for now (no coach of their cohort has room)",
                summary["without_coach"],
            )
            % {"count": summary["without_coach"]}
        )
    if summary.get("invited"):
        parts.append(
            ngettext(
                "%(count)s invitation sent (enrolled once accepted)",
                "%(count)s invitations sent (enrolled once accepted)",
                summary["invited"],
            )
            % {"count": summary["invited"]}
        )
    if summary.get("updated"):
        parts.append(
            ngettext("%(count)s profile updated", "%(count)s profiles updated", summary["updated"])
            % {"count": summary["updated"]}
        )
    if summary.get("unchanged"):
        parts.append(
            ngettext("%(count)s already enrolled", "%(count)s already enrolled", summary["unchanged"])
            % {"count": summary["unchanged"]}
        )
    return ", ".join(parts).capitalize() + "."


Progress = Callable[[str, float], None]  # (stage, fraction done from 0 to 1)


def _no_progress(stage: str, fraction: float) -> None:
    return None


# --- writing many rows at once ----------------------------------------------------------------------


def bulk_insert(model, rows: list[dict], *, returning: str | None = None) -> list[tuple]:
    """INSERT `rows` (dicts of field attnames to values) of `model` in one statement that passes each
    column as one array.

    bulk_create sends one parameter per field per row, each prepared by Django and the driver; for ten
    thousand rows that is most of an import's time. Here each column is one array (`SELECT ... FROM
    unnest(...)`). Every concrete field is written: from the rows, else its default (called per row when
    it is a callable, such as a UUID), and auto_now(_add) fields get one shared timestamp. Returns
    (pk, <returning column>) for each row when `returning` names a column.
    """
    if not rows:
        return []
    now = timezone.now()
    columns, types, arrays = [], [], []
    for field in model._meta.concrete_fields:  # noqa: F402 (dataclasses.field is not needed in here)
        if field.primary_key and field.db_returning:
            continue  # the database numbers the rows
        if field.attname in rows[0]:
            values = [row[field.attname] for row in rows]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values = [now] * len(rows)
        elif field.has_default() and callable(field.default):
            values = [field.default() for _row in rows]
        else:
            values = [field.get_default()] * len(rows)
        if field.get_internal_type() == "JSONField":
            values = [field.get_db_prep_save(value, connection) for value in values]
        kind = "timestamptz" if field.get_internal_type() == "DateTimeField" else field.db_type(connection)
        columns.append(connection.ops.quote_name(field.column))
        types.append(kind.split(" ")[0])
        arrays.append(values)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT * FROM unnest({', '.join(f'%b::{kind}[]' for kind in types)})"
    )
    if returning:
        sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}, {connection.ops.quote_name(returning)}"
    with _binding_cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.fetchall() if returning else []


def _binding_cursor():
    """A cursor on the current connection (its transaction, its organisation's search path) that sends
    parameters apart from the SQL, so that each array travels as one binary value (the `%b` placeholders)
    instead of being spelled out as a literal by the driver. Django's own cursors bind on the client side."""
    with connection.cursor():  # django-tenants sets the search path as a cursor is made
        pass
    return connection._prepare_cursor(ServerBindingCursor(connection.connection))  # logged like any query


# --- the import -------------------------------------------------------------------------------------


def enrolment_import(
    *, actor: Actor, data: bytes, programme: Programme | None = None, progress: Progress = _no_progress
) -> ImportOutcome:
    """Import a CSV file of employees into `programme` (or, without one, into the open programme whose
    cohort each row names). All or nothing; see the module's description."""
    policy.require(actor, policy.HR_MANAGER)
    progress("reading", 0.0)
    parsed = parse_csv(data)
    outcome = ImportOutcome(rows=len(parsed.rows), ignored_columns=parsed.ignored, errors=list(parsed.errors))
    if outcome.errors:
        return outcome
    return enrolment_rows_import(
        actor=actor, rows=parsed.rows, programme=programme, columns=parsed.columns, outcome=outcome, progress=progress
    )


def enrolment_rows_import(
    *,
    actor: Actor,
    rows: list[Row],
    programme: Programme | None = None,
    columns: dict[str, str] | None = None,
    outcome: ImportOutcome | None = None,
    progress: Progress = _no_progress,
) -> ImportOutcome:
    """The rows of a file (or of the one-person form) checked and, if every one is right, written."""
    policy.require(actor, policy.HR_MANAGER)
    outcome = outcome or ImportOutcome(rows=len(rows))
    checker = Checker(columns or {})
    if programme is not None and programme.status == Programme.Status.CLOSED:
        checker.add(
            None,
            None,
            _("“%(name)s” is closed. Reopen the programme before enrolling people.") % {"name": programme.name},
        )
        outcome.errors = checker.errors
        return outcome
    first_row_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        check_row(checker, row, first_row_of)
        if index % 1000 == 999:
            progress("checking", 0.05 + 0.15 * index / len(rows))
    try:
        with transaction.atomic():
            # The checks against the database run even when some rows are already wrong, so that one
            # attempt shows every problem; nothing is written unless there are none.
            plan = _Plan(actor=actor, rows=rows, programme=programme, checker=checker, progress=progress)
            if not checker.errors:
                plan.write(outcome)
    except IntegrityError:
        checker.errors = [
            RowError(
                None,
                None,
                _(
                    "Some of these people were changed by someone else while the file was being imported. Nothing "
                    "was imported; please try again."
                ),
            )
        ]
    outcome.errors = sorted(checker.errors, key=lambda error: error.row or 0)
    if outcome.errors:
        outcome.enrolled = outcome.updated = outcome.invited = outcome.unchanged = outcome.without_coach = 0
    return outcome


class _Plan:
    """Everything the database knows about the file's people, read in a fixed number of queries under a
    lock on the coaches and the cohorts concerned, and the checks that need it."""

    def __init__(
        self, *, actor: Actor, rows: list[Row], programme: Programme | None, checker: Checker, progress: Progress
    ):
        self.actor, self.checker, self.progress = actor, checker, progress
        # Cells already found wrong are not checked again; a row without a usable email is skipped.
        self.flagged = {(error.row, error.field) for error in checker.errors}
        self.rows = [row for row in rows if (row.number, "email") not in self.flagged]
        self.organisation: Organisation = actor.organisation
        progress("checking", 0.2)
        self._load(programme)
        progress("checking", 0.35)
        self._decide()

    def _hold_coaches(self, programme: Programme | None) -> None:
        """Lock the profile rows of every coach the file could give a coachee and count their room across
        every organisation (matching.services.coach_rooms_held): the coaches it names, and the coaches of
        the cohorts it names, one of whom is chosen for a row without a coach. The locks are taken before
        the cohorts', as every writer that gives a coach a coachee takes the coach's before anything else
        (coach, then enrolment, then cohort), so no two writes wait on each other in a circle; and they are
        held until the import commits, so the room the rows are checked against is the room they are
        written into: an employee or HR elsewhere taking a place meanwhile either does so before this
        count or waits until the import is written, and then finds the coach as full as it left them."""
        wanted_coaches = {row.coach for row in self.rows if row.coach}
        self.coaches_by_email: dict[str, int] = (
            dict(
                Membership.objects.filter(
                    organisation=self.organisation, role=Role.COACH, is_active=True, user__email__in=wanted_coaches
                ).values_list("user__email", "user_id")
            )
            if wanted_coaches
            else {}
        )
        # Compared as the database lowers case; a coach missed this way is only never chosen (see _coaches_check).
        names = {row.cohort.lower() for row in self.rows if not row.coach and row.cohort}
        cohort_coaches = Cohort.coaches.through.objects.annotate(name=Lower("cohort__name")).filter(name__in=names)
        if programme is not None:
            cohort_coaches = cohort_coaches.filter(cohort__programme=programme)
        else:
            cohort_coaches = cohort_coaches.exclude(cohort__programme__status=Programme.Status.CLOSED)
        chosen_from = list(cohort_coaches.values_list("user_id", flat=True)) if names else []
        self.rooms = coach_rooms_held([*self.coaches_by_email.values(), *chosen_from])

    def _load(self, programme: Programme | None) -> None:
        self._hold_coaches(programme)
        # Cohorts are locked in a fixed order, so two imports at once wait for each other, never deadlock.
        cohorts = Cohort.objects.select_for_update(of=("self",)).select_related("programme").order_by("pk")
        if programme is not None:
            cohorts = cohorts.filter(programme=programme)
        else:
            cohorts = cohorts.exclude(programme__status=Programme.Status.CLOSED)
        self.programme = programme
        self.cohorts = list(cohorts)
        self.cohorts_by_name: dict[str, list[Cohort]] = defaultdict(list)
        for cohort in self.cohorts:
            self.cohorts_by_name[cohort.name.casefold()].append(cohort)
        cohort_ids = [cohort.pk for cohort in self.cohorts]
        programme_ids = {cohort.programme_id for cohort in self.cohorts}
        emails = [row.email for row in self.rows]
        # Only this organisation's employees: whether an address has an account anywhere else is never read.
        self.user_ids: dict[str, int] = dict(
            Membership.objects.filter(
                organisation=self.organisation, role=Role.EMPLOYEE, is_active=True, user__email__in=emails
            ).values_list("user__email", "user_id")
        )
        known = list(self.user_ids.values())
        # Open invitations of this organisation to the file's addresses: (email, programme) -> invitation.
        self.invitations: dict[tuple[str, int], tuple] = {}
        cohort_programme = {cohort.pk: cohort.programme_id for cohort in self.cohorts}
        now = timezone.now()
        for pk, email, cohort_id, expires_at in Invitation.objects.filter(
            organisation=self.organisation,
            role=Role.EMPLOYEE,
            status=Invitation.Status.PENDING,
            email__in=emails,
            cohort__in=cohort_ids,
        ).values_list("pk", "email", "cohort", "expires_at"):
            self.invitations[(email, cohort_programme[cohort_id])] = (pk, cohort_id, expires_at <= now)
        self.enrolled: dict[tuple[int, int], tuple[int, str]] = {
            (employee, programme_id): (cohort_id, status)
            for employee, programme_id, cohort_id, status in Enrolment.objects.filter(
                employee_id__in=known, programme_id__in=programme_ids
            ).values_list("employee_id", "programme_id", "cohort_id", "status")
        }
        # Managers are set only to people with a role here; one who is in the file but still invited is
        # set when the employee accepts, or left empty.
        managers = {row.manager for row in self.rows if row.manager}
        self.members_by_email: dict[str, int] = (
            dict(
                Membership.objects.filter(organisation=self.organisation, is_active=True, user__email__in=managers)
                .values_list("user__email", "user_id")
                .distinct()
            )
            if managers
            else {}
        )
        self.seated: Counter = Counter(
            dict(
                Enrolment.objects.filter(cohort_id__in=cohort_ids, status__in=LIVE_STATUSES)
                .values_list("cohort_id")
                .annotate(n=Count("pk"))
            )
        )
        self.seated.update(invited_seats(organisation=self.organisation, cohort_ids=cohort_ids))
        self.coach_load: dict[int, Counter] = defaultdict(Counter)
        for programme_id, coach_id, count in (
            Enrolment.objects.filter(programme_id__in=programme_ids, status__in=LIVE_STATUSES, coach__isnull=False)
            .values_list("programme_id", "coach_id")
            .annotate(n=Count("pk"))
        ):
            self.coach_load[programme_id][coach_id] = count
        self.cohort_coaches: dict[int, list[int]] = defaultdict(list)
        for cohort_id, user_id in (
            Cohort.coaches.through.objects.filter(cohort_id__in=cohort_ids)
            .order_by("user_id")
            .values_list("cohort_id", "user_id")
        ):
            self.cohort_coaches[cohort_id].append(user_id)
        self.profiles: dict[int, EmployeeProfile] = {
            profile.user_id: profile for profile in EmployeeProfile.objects.filter(user_id__in=known)
        }
        current = Agreement.objects.order_by("-version").values("pk")[:1]
        self.accepted: set[int] = set(
            AgreementAcceptance.objects.filter(agreement=current, user_id__in=known).values_list("user_id", flat=True)
        )

    def _cohort_for(self, row: Row) -> Cohort | None:
        candidates = self.cohorts_by_name.get(row.cohort.casefold(), [])
        exact = [cohort for cohort in candidates if cohort.name == row.cohort]
        if len(exact) == 1 or len(candidates) == 1:
            return (exact or candidates)[0]
        if candidates:
            self.checker.add(
                row,
                "cohort",
                _(
                    "There is a cohort “%(name)s” in several programmes (%(programmes)s). Import into one "
                    "programme at a time."
                )
                % {"name": row.cohort, "programmes": ", ".join(sorted(cohort.programme.name for cohort in candidates))},
            )
        elif self.programme is not None:
            names = sorted(cohort.name for cohort in self.cohorts)
            self.checker.add(
                row,
                "cohort",
                _("“%(programme)s” has no cohort “%(name)s”. Its cohorts: %(names)s.")
                % {
                    "programme": self.programme.name,
                    "name": row.cohort,
                    "names": ", ".join(names[:20]) or _("none yet"),
                },
            )
        else:
            self.checker.add(row, "cohort", _("No open programme has a cohort “%(name)s”.") % {"name": row.cohort})
        return None

    def _decide(self) -> None:
        """Sort every row into new, unchanged or wrong, and check seats, managers and coaches."""
        self.new: list[tuple[Row, Cohort]] = []  # employees here, enrolled now
        self.to_invite: list[tuple[Row, Cohort]] = []  # everyone else, enrolled once they accept
        self.renew: list = []  # expired invitations to the same cohort, sent again
        self.unchanged: list[Row] = []
        file_emails = {row.email for row in self.rows}
        for row in self.rows:
            cohort = self._cohort_for(row) if (row.number, "cohort") not in self.flagged else None
            if (
                row.manager
                and (row.number, "manager") not in self.flagged
                and row.manager not in file_emails
                and row.manager not in self.members_by_email
            ):
                self.checker.add(
                    row,
                    "manager",
                    _(
                        "The manager %(email)s is not in this file and has no role in this organisation. Add them "
                        "to the file or leave the cell empty."
                    )
                    % {"email": row.manager},
                )
            if row.coach and (row.number, "coach") not in self.flagged and row.coach not in self.coaches_by_email:
                self.checker.add(
                    row, "coach", _("%(email)s does not coach in this organisation.") % {"email": row.coach}
                )
            if cohort is None:
                continue
            user_id = self.user_ids.get(row.email)
            if user_id is None:
                self._decide_invited(row, cohort)
                continue
            existing = self.enrolled.get((user_id, cohort.programme_id))
            if existing is None:
                self.new.append((row, cohort))
            elif existing[0] == cohort.pk:
                self.unchanged.append(row)
            else:
                current = next((c.name for c in self.cohorts if c.pk == existing[0]), "")
                self.checker.add(
                    row,
                    "email",
                    _(
                        "%(email)s is already enrolled in this programme, in cohort “%(cohort)s”. Move them on "
                        "their enrolment page, or correct the file."
                    )
                    % {"email": row.email, "cohort": current},
                )
        self._check_seats()
        self._coaches_check()

    def _decide_invited(self, row: Row, cohort: Cohort) -> None:
        """Someone who is not an employee here: invited, or already invited by an earlier file."""
        invitation = self.invitations.get((row.email, cohort.programme_id))
        if invitation is None:
            self.to_invite.append((row, cohort))
        elif invitation[1] != cohort.pk:
            current = next((c.name for c in self.cohorts if c.pk == invitation[1]), "")
            self.checker.add(
                row,
                "email",
                _(
                    "%(email)s is already invited to this programme, in cohort “%(cohort)s”. Cancel that "
                    "invitation on the people page, or correct the file."
                )
                % {"email": row.email, "cohort": current},
            )
        elif invitation[2]:
            self.renew.append(invitation[0])
        else:
            self.unchanged.append(row)

    def _check_seats(self) -> None:
        placed = self.new + self.to_invite
        adding = Counter(cohort.pk for _row, cohort in placed)
        taken = Counter(self.seated)
        for row, cohort in sorted(placed, key=lambda pair: pair[0].number):
            taken[cohort.pk] += 1
            if taken[cohort.pk] == cohort.capacity + 1:
                self.checker.add(
                    row,
                    "cohort",
                    ngettext(
                        "Cohort “%(name)s” is full from this row on: it has room for %(capacity)s, %(seated)s "
                        "person is enrolled and this file adds %(adding)s.",
                        "Cohort “%(name)s” is full from this row on: it has room for %(capacity)s, %(seated)s "
                        "people are enrolled and this file adds %(adding)s.",
                        self.seated[cohort.pk],
                    )
                    % {
                        "name": cohort.name,
                        "capacity": cohort.capacity,
                        "seated": self.seated[cohort.pk],
                        "adding": adding[cohort.pk],
                    },
                )

    def _coaches_check(self) -> None:
        """Give each new coachee a coach with room, and refuse rows that would put a coach over theirs.

        A coach the file names takes every row naming them, an invitation included (that person gets the
        coach when they accept); the row that goes over the coach's room is refused, naming the room left.
        The rows without a coach are then shared among their cohort's coaches who still have room, the one
        with the fewest people in the programme first. When none has room the person is enrolled without a
        coach and the outcome says how many: HR imports to give people their place in the programme, and
        refusing the whole file for want of a coach would keep everyone out until a coach frees up, while a
        coach can be assigned on the enrolment page as soon as one has room. A coach without a profile has
        no capacity set and is never full, as when HR assigns a coach by hand (programmes.services.enrolment).
        """
        self.coach_of: dict[int, int | None] = {}  # row number -> the coach of a new enrolment
        self.without_coach = 0
        left = {coach_id: room.left for coach_id, room in self.rooms.items() if room is not None}
        placed = sorted(self.new + self.to_invite, key=lambda pair: pair[0].number)
        named = [row for row, _cohort in placed if row.coach in self.coaches_by_email]
        giving = Counter(self.coaches_by_email[row.coach] for row in named)
        taken: Counter = Counter()
        for row in named:
            coach_id = self.coach_of[row.number] = self.coaches_by_email[row.coach]
            taken[coach_id] += 1
            if coach_id in left and taken[coach_id] == left[coach_id] + 1:
                self.checker.add(row, "coach", _coach_full_message(row.coach, left[coach_id], giving[coach_id]))
        for coach_id, count in taken.items():
            if coach_id in left:
                left[coach_id] -= count
        for row, cohort in placed:
            if row.coach or row.email not in self.user_ids:
                continue  # named above, or chosen when the invited person accepts (invitation_enrol)
            cohort_coaches = self.cohort_coaches.get(cohort.pk, [])
            # Only coaches whose room is held: one added to the cohort since then is left out.
            choices = [coach_id for coach_id in cohort_coaches if coach_id in self.rooms and left.get(coach_id, 1) > 0]
            if not choices:
                self.coach_of[row.number] = None
                self.without_coach += bool(cohort_coaches)
                continue
            load = self.coach_load[cohort.programme_id]
            coach_id = self.coach_of[row.number] = min(choices, key=lambda choice: load[choice])
            load[coach_id] += 1
            if coach_id in left:
                left[coach_id] -= 1

    # --- writing ---

    def write(self, outcome: ImportOutcome) -> None:
        steps = (self._write_invitations, self._write_profiles, self._write_enrolments)
        for number, step in enumerate(steps):
            self.progress("saving", 0.4 + 0.6 * number / len(steps))
            step(outcome)
        outcome.unchanged, outcome.without_coach = len(self.unchanged), self.without_coach
        self.progress("saving", 1.0)

    def _write_invitations(self, outcome: ImportOutcome) -> None:
        """An invitation for everyone who is not an employee here, holding their seat and what to enrol
        them with; the same rows whether or not the address has an account anywhere."""
        expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
        invitations = [
            {
                "id": uuid.uuid4(),
                "email": row.email,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "user_id": None,
                "organisation_id": self.organisation.pk,
                "role": Role.EMPLOYEE,
                "status": Invitation.Status.PENDING,
                "cohort": cohort.pk,
                "invited_by_id": self.actor.user_id,
                "expires_at": expires_at,
                "accepted_at": None,
                "ended_at": None,
                "enrolment": {
                    "coach": self.coaches_by_email[row.coach] if row.coach else None,
                    "credits": int(row.credits) if row.credits else None,
                    "department": row.department,
                    "job_title": row.job_title,
                    "manager": row.manager,
                },
            }
            for row, cohort in self.to_invite
        ]
        bulk_insert(Invitation, invitations)
        outbox.invitations(invitations, schema=self.organisation.schema_name)
        Invitation.objects.filter(pk__in=self.renew).update(expires_at=expires_at)
        ids = [str(invitation["id"]) for invitation in invitations] + [str(pk) for pk in self.renew]
        outcome.invited = len(ids)
        if ids:
            # One audit event for the whole import (the platform's event list stays readable).
            PlatformEvent.objects.create(
                actor=self.actor.user,
                organisation=self.organisation,
                action="invitations.imported",
                detail={"role": Role.EMPLOYEE, "count": len(ids)},
            )
            _queue_invitations(ids)

    def _write_profiles(self, outcome: ImportOutcome) -> None:
        """Department, job title and manager from the file; empty cells leave what is known."""
        create, update, updated_people, now = [], [], 0, timezone.now()
        new_emails = {row.email for row, _cohort in self.new}
        # Invited people have no profile here until they accept: their details wait on the invitation.
        for row in [row for row, _cohort in self.new] + [row for row in self.unchanged if row.email in self.user_ids]:
            user_id = self.user_ids[row.email]
            wanted = {
                "department": row.department,
                "job_title": row.job_title,
                "manager_id": self.members_by_email.get(row.manager) if row.manager else None,
            }
            wanted = {key: value for key, value in wanted.items() if value}
            profile = self.profiles.get(user_id)
            if profile is None:
                create.append({"user_id": user_id, "department": "", "job_title": "", "manager_id": None, **wanted})
                updated_people += row.email not in new_emails and bool(wanted)
            elif any(getattr(profile, key) != value for key, value in wanted.items()):
                for key, value in wanted.items():
                    setattr(profile, key, value)
                profile.updated_at = now
                update.append(profile)
                updated_people += row.email not in new_emails
        bulk_insert(EmployeeProfile, create)
        EmployeeProfile.objects.bulk_update(
            update, ["department", "job_title", "manager_id", "updated_at"], batch_size=BATCH
        )
        outcome.updated = updated_people

    def _write_enrolments(self, outcome: ImportOutcome) -> None:
        """New enrolments: active at once for people who accepted the current agreement already."""
        enrolments, status_of = [], {}
        for row, cohort in self.new:
            user_id = self.user_ids[row.email]
            status_of[user_id] = Enrolment.Status.ACTIVE if user_id in self.accepted else Enrolment.Status.INVITED
            enrolments.append(
                {
                    "programme_id": cohort.programme_id,
                    "cohort_id": cohort.pk,
                    "employee_id": user_id,
                    "coach_id": self.coach_of[row.number],
                    "status": status_of[user_id],
                    "status_changed_by_id": self.actor.user_id,
                    "credit_allowance": int(row.credits) if row.credits else cohort.programme.default_credits,
                }
            )
        made = bulk_insert(Enrolment, enrolments, returning="employee_id")
        by_person = {row["employee_id"]: row for row in enrolments}
        outbox.enrolments([{**by_person[employee_id], "id": pk} for pk, employee_id in made], events.ENROLMENT_CREATED)
        bulk_insert(
            EnrolmentEvent,
            [
                {
                    "enrolment_id": pk,
                    "from_status": "",
                    "to_status": status_of[employee_id],
                    "by_id": self.actor.user_id,
                }
                for pk, employee_id in made
            ],
        )
        outcome.enrolled = len(enrolments) + len(self.to_invite) + len(self.renew)


def _coach_full_message(email: str, left: int, count: int) -> str:
    """What is wrong when the file gives a coach `count` rows and they have room for `left` more. One row
    for a full coach (the one-person form too) is said without counting."""
    if left == 0 and count == 1:
        return _("%(email)s has no room for more coachees.") % {"email": email}
    if left == 0:
        return _("%(email)s has no room for more coachees; this file gives them %(count)s.") % {
            "email": email,
            "count": count,
        }
    return ngettext(
        "%(email)s has room for %(left)s more coachee; this file gives them %(count)s.",
        "%(email)s has room for %(left)s more coachees; this file gives them %(count)s.",
        left,
    ) % {"email": email, "left": left, "count": count}


# --- one person at a time ---------------------------------------------------------------------------


def enrolment_add(
    *,
    actor: Actor,
    cohort: Cohort,
    email: str,
    first_name: str,
    last_name: str,
    department: str = "",
    job_title: str = "",
    manager_email: str = "",
    coach: User | None = None,
    credit_allowance: int | None = None,
) -> ImportOutcome:
    """Enrol one employee: the same checks and writes as a file of one row (someone who is not an
    employee here yet is invited, and enrolled once they accept: `outcome.invited`).

    Raises ValidationError keyed by form field when anything is wrong, including when the person is
    already enrolled in this programme.
    """
    row = Row(
        number=1,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        department=department.strip(),
        job_title=job_title.strip(),
        manager=manager_email.strip(),
        cohort=cohort.name,
        coach=coach.email if coach else "",
        credits="" if credit_allowance is None else str(credit_allowance),
    )
    outcome = enrolment_rows_import(actor=actor, rows=[row], programme=cohort.programme)
    if outcome.errors:
        fields = {"manager": "manager_email", "credits": "credit_allowance"}
        errors: dict[str | None, list[str]] = defaultdict(list)
        for error in outcome.errors:
            errors[fields.get(error.field, error.field)].append(error.message)
        raise ValidationError({key or "__all__": messages for key, messages in errors.items()})
    if outcome.unchanged:
        raise ValidationError(
            {"email": _("%(email)s is already enrolled in or invited to this cohort.") % {"email": row.email}}
        )
    return outcome


# --- accepting an invitation -----------------------------------------------------------------------


def invitation_enrol(*, invitation: Invitation, user: User) -> Enrolment | None:
    """Make the enrolment an accepted invitation held a seat for (tenants.services.INVITATION_ACCEPTED
    calls this in the organisation's schema, inside the acceptance's transaction).

    The person is enrolled as the import would have: profile details HR gave, the coach HR named (or
    the cohort's coach with the fewest people), the credits HR gave (or the programme's), active at once
    if they accepted the current coaching agreement already. A cohort or programme removed or closed since
    leaves them a member without an enrolment; someone enrolled in the programme meanwhile stays so.

    The coach needs room now: the rooms of the named coach and of the cohort's coaches are held
    (matching.services.coach_rooms_held, before the cohort's lock, as the import takes them). A named
    coach who filled up since the import, or who no longer coaches here, gives way to the cohort's coach
    with room and the fewest people; when none has room the person is enrolled without a coach, for HR to
    assign one on the enrolment page, as the import does.
    """
    wanted = invitation.enrolment or {}
    named = wanted.get("coach")
    rooms = coach_rooms_held(
        [
            *([named] if named else []),
            *Cohort.coaches.through.objects.filter(cohort_id=invitation.cohort).values_list("user_id", flat=True),
        ]
    )
    cohort = (
        Cohort.objects.select_for_update(of=("self",))
        .select_related("programme")
        .exclude(programme__status=Programme.Status.CLOSED)
        .filter(pk=invitation.cohort)
        .first()
    )
    if cohort is None or Enrolment.objects.filter(employee=user, programme_id=cohort.programme_id).exists():
        return None
    here = Membership.objects.filter(organisation=invitation.organisation, is_active=True)
    details = {
        "department": wanted.get("department") or "",
        "job_title": wanted.get("job_title") or "",
        "manager_id": here.filter(user__email=wanted.get("manager") or "")
        .exclude(user=user)
        .values_list("user_id", flat=True)
        .first(),
    }
    details = {key: value for key, value in details.items() if value}
    profile, created = EmployeeProfile.objects.get_or_create(user=user, defaults=details)
    if not created and details:
        for key, value in details.items():
            setattr(profile, key, value)
        profile.save(update_fields=[*details, "updated_at"])
    coach_id = named
    if not coach_id or not _has_room(rooms, coach_id) or not here.filter(user_id=coach_id, role=Role.COACH).exists():
        coach_id = _least_loaded_coach(cohort, rooms)
    current = Agreement.objects.order_by("-version").first()
    accepted = current is not None and AgreementAcceptance.objects.filter(agreement=current, user=user).exists()
    status = Enrolment.Status.ACTIVE if accepted else Enrolment.Status.INVITED
    credits = wanted.get("credits")
    enrolment = Enrolment.objects.create(
        programme=cohort.programme,
        cohort=cohort,
        employee=user,
        coach_id=coach_id,
        status=status,
        status_changed_by_id=invitation.invited_by_id,
        credit_allowance=cohort.programme.default_credits if credits is None else credits,
    )
    EnrolmentEvent.objects.create(enrolment=enrolment, from_status="", to_status=status, by_id=invitation.invited_by_id)
    outbox.enrolment(enrolment, events.ENROLMENT_CREATED)
    return enrolment


def _has_room(rooms: dict[int, Room | None], coach_id: int) -> bool:
    """Whether a coach whose room is held takes one more coachee (no profile: no capacity set, never full)."""
    return coach_id in rooms and (rooms[coach_id] is None or rooms[coach_id].left > 0)


def _least_loaded_coach(cohort: Cohort, rooms: dict[int, Room | None]) -> int | None:
    """The cohort's coach with room and the fewest people in the programme."""
    choices = [
        coach_id
        for coach_id in cohort.coaches.order_by("pk").values_list("pk", flat=True)
        if _has_room(rooms, coach_id)
    ]
    if not choices:
        return None
    load = Counter(
        dict(
            Enrolment.objects.filter(programme_id=cohort.programme_id, status__in=LIVE_STATUSES, coach_id__in=choices)
            .values_list("coach_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    return min(choices, key=lambda choice: load[choice])


# --- invitations ------------------------------------------------------------------------------------


def _queue_invitations(invitation_ids: list[str]) -> None:
    """Send the invitations an import made once it has committed, in bulk, off the request (the task calls
    tenants.services.invitations_send, the one way invitations are sent)."""
    enqueue_after_commit(invitations_send_task, invitation_ids)
