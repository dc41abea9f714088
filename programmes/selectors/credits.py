"""Reads of 1:1 credits: balances and the ledger, always through the policy."""

from __future__ import annotations

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from portal import policy
from programmes.models import CreditTransaction, Enrolment


def _ledger_sum(condition: Q = Q()) -> Coalesce:
    total = (
        CreditTransaction.objects.filter(condition, enrolment=OuterRef("pk"))
        .order_by()
        .values("enrolment")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def with_credits(enrolments: QuerySet) -> QuerySet:
    """Annotate `credits_left` (the allowance plus every transaction) and `credits_used` (what booked
    sessions took, after refunds; HR's adjustments change what is left, not what was used)."""
    return enrolments.annotate(
        credits_left=F("credit_allowance") + _ledger_sum(),
        credits_used=-_ledger_sum(~Q(reason=CreditTransaction.Reason.ADJUSTMENT)),
    )


def credit_balance(*, enrolment: Enrolment) -> int:
    """What is left now (one query). Under the enrolment's row lock when a booking depends on it."""
    spent = CreditTransaction.objects.filter(enrolment=enrolment).aggregate(total=Sum("delta"))["total"] or 0
    return enrolment.credit_allowance + spent


def credit_ledger(*, actor: policy.Actor, enrolment: Enrolment) -> QuerySet[CreditTransaction]:
    return (
        policy.scope(actor, CreditTransaction)
        .filter(enrolment=enrolment)
        .select_related("session", "by")
        .order_by("-at", "-pk")
    )


def credit_overview(*, actor: policy.Actor, search: str = "") -> QuerySet[Enrolment]:
    """Every enrolment the actor may see with its allowance, use and what is left (HR's view of use)."""
    enrolments = (
        policy.scope(actor, Enrolment)
        .select_related("employee", "programme", "cohort", "coach")
        .order_by("employee__last_name", "employee__first_name", "programme__name")
    )
    if search:
        enrolments = enrolments.filter(
            Q(employee__email__icontains=search)
            | Q(employee__first_name__icontains=search)
            | Q(employee__last_name__icontains=search)
        )
    return with_credits(enrolments)


def credits_used(enrolment: Enrolment) -> int:
    """Credits spent and not given back, from the credit ledger."""
    total = enrolment.credit_transactions.aggregate(total=Sum("delta"))["total"] or 0
    return max(0, -total)
