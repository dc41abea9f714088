"""Reads for programmes, phases, resources and cohorts, always through the policy."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from portal import policy
from portal.policy import Actor
from programmes.models import LIVE_STATUSES, Cohort, Enrolment, Phase, Programme, Resource
from tenants.models import Invitation, Role, User


class _CountOf(Subquery):
    """A correlated COUNT(*) of a queryset: one subquery, no join that multiplies the outer rows."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def count_of(queryset: QuerySet) -> _CountOf:
    return _CountOf(queryset.order_by().values("pk"))


def seats_taken():
    """For a cohort queryset: how many people hold a seat (invited or active, and the open invitations
    of people who are enrolled once they accept)."""
    return count_of(Enrolment.objects.filter(cohort=OuterRef("pk"), status__in=LIVE_STATUSES)) + count_of(
        _open_invitations(connection.schema_name).filter(cohort=OuterRef("pk"))
    )


def _open_invitations(schema_name: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation__schema_name=schema_name,
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
        cohort__isnull=False,
    )


def invited_seats(*, organisation, cohort_ids) -> Counter:
    """Seats held by open invitations, per cohort id (an invitation holds its seat until it is accepted,
    declined, cancelled or expires)."""
    return Counter(
        dict(
            _open_invitations(organisation.schema_name)
            .filter(cohort__in=cohort_ids)
            .values_list("cohort")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )


def programme_list(*, actor: Actor) -> QuerySet[Programme]:
    """The programmes the actor may see, with how many cohorts each has and how many people took part
    (everyone enrolled but those who withdrew, so a finished programme still shows its people)."""
    return (
        policy.scope(actor, Programme)
        .annotate(
            cohort_count=count_of(Cohort.objects.filter(programme=OuterRef("pk"))),
            enrolled_count=count_of(
                Enrolment.objects.filter(programme=OuterRef("pk")).exclude(status=Enrolment.Status.WITHDRAWN)
            ),
        )
        .order_by("-starts_on", "name")
    )


def programme_get(*, actor: Actor, pk: int) -> Programme:
    return policy.get_or_404(actor, Programme, pk=pk)


def programme_detail(*, actor: Actor, pk: int) -> Programme:
    """One programme with its phases, resources and the cohorts the actor may see (with their coaches
    and seats taken), each read once."""
    cohorts = (
        policy.scope(actor, Cohort)
        .annotate(seats=seats_taken())
        .prefetch_related(Prefetch("coaches", queryset=User.objects.order_by("first_name", "last_name")))
        .order_by("name")
    )
    queryset = Programme.objects.prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("position")),
        Prefetch("resources", queryset=Resource.objects.order_by("position", "title")),
        Prefetch("cohorts", queryset=cohorts, to_attr="visible_cohorts"),
    )
    return policy.get_or_404(actor, Programme, queryset, pk=pk)


def phase_get(*, actor: Actor, pk: int) -> Phase:
    return policy.get_or_404(actor, Phase, policy.scope(actor, Phase).select_related("programme"), pk=pk)


def resource_get(*, actor: Actor, pk: int) -> Resource:
    return policy.get_or_404(actor, Resource, pk=pk)


def cohort_get(*, actor: Actor, pk: int) -> Cohort:
    return policy.get_or_404(actor, Cohort, policy.scope(actor, Cohort).select_related("programme"), pk=pk)


def cohort_detail(*, actor: Actor, pk: int) -> Cohort:
    queryset = (
        policy.scope(actor, Cohort)
        .select_related("programme")
        .annotate(seats=seats_taken())
        .prefetch_related(Prefetch("coaches", queryset=User.objects.order_by("first_name", "last_name")))
    )
    return policy.get_or_404(actor, Cohort, queryset, pk=pk)


def cohorts_of(*, actor: Actor, programme: Programme) -> QuerySet[Cohort]:
    return policy.scope(actor, Cohort).filter(programme=programme).order_by("name")


def open_programmes(*, actor: Actor) -> QuerySet[Programme]:
    """Programmes people can still be enrolled in (draft or active), newest first."""
    return policy.scope(actor, Programme).exclude(status=Programme.Status.CLOSED).order_by("-starts_on", "name")


def cohort_choices(*, actor: Actor) -> QuerySet[Cohort]:
    """Cohorts of programmes that are not closed, for enrolling someone."""
    return (
        policy.scope(actor, Cohort)
        .exclude(programme__status=Programme.Status.CLOSED)
        .select_related("programme")
        .order_by("programme__name", "name")
    )


def coach_choices(*, actor: Actor) -> QuerySet[User]:
    """The people who coach in this organisation, for choosing a cohort's or an enrolment's coach."""
    return User.objects.filter(
        memberships__organisation=actor.organisation,
        memberships__role=Role.COACH,
        memberships__is_active=True,
        is_active=True,
    ).order_by("first_name", "last_name", "email")
