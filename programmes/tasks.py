"""Background work for enrolment: large CSV imports and the invitations they send.

Tasks run in the schema of the organisation that queued them (tenant-schemas-celery); with no
broker configured they run inline.
"""

from __future__ import annotations

from celery import shared_task

from programmes.services import imports
from tenants import services as tenant_services


@shared_task(name="programmes.enrolment_import")
def enrolment_import_task(job_id: str) -> str:
    job = imports.import_job_run(job_id=job_id)
    return job.status if job is not None else "missing"


@shared_task(name="programmes.invitations_send")
def invitations_send_task(invitation_ids: list[str]) -> int:
    return tenant_services.invitations_send(invitation_ids=invitation_ids)
