"""Background work on the public schema's people: sending invitations in bulk, off the request."""

from __future__ import annotations

from portal.celery import app
from tenants.services import invitations_send


# The name it had when programmes sent it: messages already queued under it are still understood.
@app.task(name="programmes.invitations_send")
def invitations_send_task(invitation_ids: list[str]) -> int:
    return invitations_send(invitation_ids=invitation_ids)
