"""Writes to the ledger of 1:1 credits.

No balance is stored anywhere: it is the enrolment's allowance plus the sum of its transactions
(programmes.selectors.credits). Every 1:1 spends one credit when it is booked or scheduled; cancelling in
time, a cancellation by the coach or HR and an excused absence give it back; a late cancellation and a
no-show do not.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from programmes.models import CreditTransaction, Enrolment, Session
from tenants.models import User
from webhooks import outbox

Reason = CreditTransaction.Reason


def credit_spend(*, enrolment: Enrolment, session: Session, by: User) -> CreditTransaction:
    """Spend one credit on `session`. The caller holds the enrolment's row lock and has checked the
    balance (programmes.selectors.credits.credit_balance) under it."""
    spent = CreditTransaction.objects.create(
        enrolment=enrolment, session=session, delta=-1, reason=Reason.BOOKING, by=by
    )
    outbox.credit(spent)
    return spent


def credit_settle(*, session: Session, returned: bool, reason: str, by: User | None) -> CreditTransaction | None:
    """Make `session` cost its enrolment nothing (`returned`) or its one credit, whatever it cost so far.

    Writing the difference rather than a fixed +1 or -1 keeps the ledger right however often a change is
    repeated or undone (an attendance marked excused, then absent, then excused again).
    """
    if session.enrolment_id is None:
        return None
    so_far = CreditTransaction.objects.filter(session=session).aggregate(
        delta=Sum("delta"), booked=Count("pk", filter=Q(reason=Reason.BOOKING))
    )
    if not so_far["booked"]:
        return None  # never charged (nothing to give back or take again)
    delta = (0 if returned else -1) - (so_far["delta"] or 0)
    if delta == 0:
        return None
    settled = CreditTransaction.objects.create(
        enrolment_id=session.enrolment_id, session=session, delta=delta, reason=reason, by=by
    )
    outbox.credit(settled)
    return settled
