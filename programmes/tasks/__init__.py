"""Background work for enrolment: large CSV imports (the invitations they make are sent by
tenants.tasks.invitations_send_task).

Tasks are queued with portal.tasks.enqueue_after_commit and run in the schema of the organisation that
queued them (tenant-schemas-celery); with no broker configured they run inline.
"""

from __future__ import annotations

from portal.celery import app
from programmes.services import imports
from programmes.tasks import sessions  # noqa: F401  (its tasks register as it loads)


@app.task(name="programmes.enrolment_import")
def enrolment_import_task(job_id: str) -> str:
    job = imports.import_job_run(job_id=job_id)
    return job.status if job is not None else "missing"
