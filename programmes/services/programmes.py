"""Writes for programmes, their phases and learning resources, and cohorts. HR managers only."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import policy
from portal.policy import Actor
from programmes.models import LIVE_STATUSES, Cohort, Phase, Programme, Resource
from tenants.models import Membership, Role, User

DEFAULT_PHASES = (Phase.Kind.INTAKE, Phase.Kind.GROUP, Phase.Kind.INDIVIDUAL, Phase.Kind.FINAL)
RESOURCE_MAX_BYTES = 25 * 1024 * 1024
RESOURCE_EXTENSIONS = {
    "pdf",
    "doc",
    "docx",
    "ppt",
    "pptx",
    "xls",
    "xlsx",
    "odt",
    "odp",
    "ods",
    "txt",
    "md",
    "png",
    "jpg",
    "jpeg",
    "mp3",
    "m4a",
    "mp4",
}


def _require_hr(actor: Actor) -> None:
    policy.require(actor, policy.HR_MANAGER)


def _check_dates(starts_on: date | None, ends_on: date | None, *, end_field: str = "ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({end_field: _("The end date is before the start date.")})


# --- programmes -------------------------------------------------------------------------------------


def default_phase_names(*, language: str) -> list[tuple[str, str]]:
    """The four phases every new programme starts with, named in the organisation's language."""
    with translation.override(language):
        return [(kind.value, str(kind.label)) for kind in DEFAULT_PHASES]


@transaction.atomic
def programme_create(
    *,
    actor: Actor,
    name: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    objectives: str = "",
    status: str = Programme.Status.DRAFT,
    default_credits: int = 6,
    phases: list[dict] | None = None,
    sponsor: str = Programme.Sponsor.MANAGER,
    sponsor_must_accept: bool = True,
) -> Programme:
    """A new programme with its ordered phases (the four default ones unless `phases` names others)."""
    _require_hr(actor)
    _check_dates(starts_on, ends_on)
    programme = Programme.objects.create(
        name=name.strip(),
        description=description,
        objectives=objectives,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        default_credits=default_credits,
        sponsor=sponsor,
        sponsor_must_accept=sponsor_must_accept,
        created_by=actor.user,
    )
    if phases is None:
        phases = [
            {"kind": kind, "name": label}
            for kind, label in default_phase_names(language=actor.organisation.default_language)
        ]
    Phase.objects.bulk_create(
        Phase(
            programme=programme,
            position=position,
            kind=spec.get("kind", Phase.Kind.OTHER),
            name=spec["name"],
            description=spec.get("description", ""),
        )
        for position, spec in enumerate(phases, start=1)
    )
    return programme


def programme_update(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    starts_on: date,
    ends_on: date,
    description: str,
    objectives: str,
    status: str,
    default_credits: int,
    sponsor: str | None = None,
    sponsor_must_accept: bool | None = None,
) -> Programme:
    """Change a programme. A new default allowance applies to people enrolled from now on; a new sponsor
    setting to every agreement's parties from now on (acceptances already given stay)."""
    _require_hr(actor)
    _check_dates(starts_on, ends_on)
    programme.name, programme.starts_on, programme.ends_on = name.strip(), starts_on, ends_on
    programme.description, programme.objectives = description, objectives
    programme.status, programme.default_credits = status, default_credits
    if sponsor is not None:
        programme.sponsor = sponsor
    if sponsor_must_accept is not None:
        programme.sponsor_must_accept = sponsor_must_accept
    programme.save(
        update_fields=[
            "name",
            "starts_on",
            "ends_on",
            "description",
            "objectives",
            "status",
            "default_credits",
            "sponsor",
            "sponsor_must_accept",
        ]
    )
    return programme


def _shift(day: date | None, offset: timedelta) -> date | None:
    return day + offset if day is not None else None


@transaction.atomic
def programme_copy(
    *, actor: Actor, programme: Programme, name: str, starts_on: date, include_cohorts: bool = True
) -> Programme:
    """The next run of a programme: its phases, resources and (optionally) cohorts and their coaches,
    moved to a new start date, as a draft without anyone enrolled."""
    _require_hr(actor)
    offset = starts_on - programme.starts_on
    copy = Programme.objects.create(
        name=name.strip(),
        description=programme.description,
        objectives=programme.objectives,
        starts_on=starts_on,
        ends_on=programme.ends_on + offset,
        status=Programme.Status.DRAFT,
        default_credits=programme.default_credits,
        sponsor=programme.sponsor,
        sponsor_must_accept=programme.sponsor_must_accept,
        copied_from=programme,
        created_by=actor.user,
    )
    Phase.objects.bulk_create(
        Phase(
            programme=copy,
            position=phase.position,
            kind=phase.kind,
            name=phase.name,
            description=phase.description,
            starts_on=_shift(phase.starts_on, offset),
            ends_on=_shift(phase.ends_on, offset),
        )
        for phase in programme.phases.all()
    )
    # Both runs point at the same stored file: resources are read-only material.
    Resource.objects.bulk_create(
        Resource(
            programme=copy,
            title=resource.title,
            description=resource.description,
            url=resource.url,
            file=resource.file.name,
            position=resource.position,
        )
        for resource in programme.resources.all()
    )
    if include_cohorts:
        originals = list(programme.cohorts.prefetch_related("coaches"))
        copies = Cohort.objects.bulk_create(
            Cohort(
                programme=copy, name=cohort.name, capacity=cohort.capacity, starts_on=_shift(cohort.starts_on, offset)
            )
            for cohort in originals
        )
        Cohort.coaches.through.objects.bulk_create(
            Cohort.coaches.through(cohort_id=new.pk, user_id=coach.pk)
            for original, new in zip(originals, copies)
            for coach in original.coaches.all()
        )
    return copy


# --- phases -----------------------------------------------------------------------------------------


def _check_phase_dates(programme: Programme, starts_on: date | None, ends_on: date | None) -> None:
    _check_dates(starts_on, ends_on)
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None and not programme.starts_on <= day <= programme.ends_on:
            raise ValidationError(
                {
                    field: _("Choose a date within the programme (%(start)s to %(end)s).")
                    % {"start": formats.date_format(programme.starts_on), "end": formats.date_format(programme.ends_on)}
                }
            )


@transaction.atomic
def phase_add(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    kind: str = Phase.Kind.OTHER,
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Phase:
    """A phase at the end of the programme's list."""
    _require_hr(actor)
    _check_phase_dates(programme, starts_on, ends_on)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one position at a time
    last = programme.phases.aggregate(last=Max("position"))["last"] or 0
    return Phase.objects.create(
        programme=programme,
        position=last + 1,
        kind=kind,
        name=name.strip(),
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def phase_update(
    *, actor: Actor, phase: Phase, name: str, kind: str, description: str, starts_on: date | None, ends_on: date | None
) -> Phase:
    _require_hr(actor)
    _check_phase_dates(phase.programme, starts_on, ends_on)
    phase.name, phase.kind, phase.description = name.strip(), kind, description
    phase.starts_on, phase.ends_on = starts_on, ends_on
    phase.save(update_fields=["name", "kind", "description", "starts_on", "ends_on"])
    return phase


@transaction.atomic
def phase_move(*, actor: Actor, phase: Phase, up: bool) -> None:
    """Swap a phase with its neighbour above or below (the position constraint is checked at commit)."""
    _require_hr(actor)
    siblings = phase.programme.phases.select_for_update()
    neighbour = (
        siblings.filter(position__lt=phase.position).order_by("-position")
        if up
        else siblings.filter(position__gt=phase.position).order_by("position")
    ).first()
    if neighbour is None:
        return
    phase.position, neighbour.position = neighbour.position, phase.position
    Phase.objects.bulk_update([phase, neighbour], ["position"])


@transaction.atomic
def phase_delete(*, actor: Actor, phase: Phase) -> None:
    """Remove a phase; the ones after it move up, so positions stay 1, 2, 3..."""
    _require_hr(actor)
    programme = phase.programme
    phase.delete()
    remaining = list(programme.phases.select_for_update().order_by("position"))
    for position, sibling in enumerate(remaining, start=1):
        sibling.position = position
    Phase.objects.bulk_update(remaining, ["position"])


# --- learning resources -----------------------------------------------------------------------------


def _check_resource_file(file: UploadedFile) -> None:
    extension = PurePath(file.name).suffix.lower().lstrip(".")
    if extension not in RESOURCE_EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Files of this type cannot be shared. Use one of: %(types)s.")
                % {"types": ", ".join(sorted(RESOURCE_EXTENSIONS))}
            }
        )
    if file.size > RESOURCE_MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(size)s MB.") % {"size": RESOURCE_MAX_BYTES // (1024 * 1024)}}
        )


@transaction.atomic
def resource_add(
    *,
    actor: Actor,
    programme: Programme,
    title: str,
    description: str = "",
    url: str = "",
    file: UploadedFile | None = None,
) -> Resource:
    """A link or a file for everyone in the programme, at the end of its list."""
    _require_hr(actor)
    if not url and file is None:
        raise ValidationError(_("Add a link or a file."))
    if url and file is not None:
        raise ValidationError(_("Add either a link or a file, not both."))
    if file is not None:
        _check_resource_file(file)
    last = programme.resources.aggregate(last=Max("position"))["last"] or 0
    resource = Resource(programme=programme, title=title.strip(), description=description, url=url, position=last + 1)
    if file is not None:
        resource.file.save(PurePath(file.name).name, file, save=False)
    resource.save()
    return resource


def resource_delete(*, actor: Actor, resource: Resource) -> None:
    """Remove a resource from its programme. The stored file stays, as a copied programme may use it."""
    _require_hr(actor)
    resource.delete()


# --- cohorts ----------------------------------------------------------------------------------------


def _check_coaches(actor: Actor, coaches: list[User]) -> None:
    ids = {coach.pk for coach in coaches}
    allowed = set(
        Membership.objects.filter(
            organisation=actor.organisation, role=Role.COACH, is_active=True, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    if ids - allowed:
        raise ValidationError({"coaches": _("Choose coaches who coach in this organisation.")})


def _check_cohort_name(programme: Programme, name: str, *, exclude: int | None = None) -> None:
    taken = programme.cohorts.filter(name__iexact=name.strip()).exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": _("This programme already has a cohort with this name.")})


@transaction.atomic
def cohort_create(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    capacity: int,
    starts_on: date | None = None,
    coaches: list[User] = (),
) -> Cohort:
    _require_hr(actor)
    _check_cohort_name(programme, name)
    _check_coaches(actor, list(coaches))
    cohort = Cohort.objects.create(programme=programme, name=name.strip(), capacity=capacity, starts_on=starts_on)
    cohort.coaches.set(coaches)
    return cohort


@transaction.atomic
def cohort_update(
    *, actor: Actor, cohort: Cohort, name: str, capacity: int, starts_on: date | None, coaches: list[User]
) -> Cohort:
    """Change a cohort. Its capacity cannot drop below the people enrolled in it now."""
    _require_hr(actor)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    _check_cohort_name(cohort.programme, name, exclude=cohort.pk)
    _check_coaches(actor, list(coaches))
    seated = cohort.enrolments.filter(status__in=LIVE_STATUSES).count()
    if capacity < seated:
        raise ValidationError(
            {
                "capacity": ngettext(
                    "%(count)s person is enrolled in this cohort; the capacity cannot be lower.",
                    "%(count)s people are enrolled in this cohort; the capacity cannot be lower.",
                    seated,
                )
                % {"count": seated}
            }
        )
    cohort.name, cohort.capacity, cohort.starts_on = name.strip(), capacity, starts_on
    cohort.save(update_fields=["name", "capacity", "starts_on"])
    cohort.coaches.set(coaches)
    return cohort
