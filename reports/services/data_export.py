"""Export my data: one zip with everything the portal holds about the person here (JSON), their personal
progress report (PDF, for employees) and a note saying what is where."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Reflection
from portal import policy
from reports import documents
from reports.models import AuditEvent
from reports.selectors.data import personal_data
from reports.services.audit import audit_record


def personal_export(*, actor: policy.Actor) -> tuple[bytes, str]:
    """The zip's bytes and its file name; the export is recorded in the organisation's audit."""
    data = personal_data(actor=actor)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        if actor.is_employee:
            # The employee's own report, with every reflection they wrote.
            own = list(policy.scope(actor, Reflection).filter(employee_id=actor.user_id).values_list("pk", flat=True))
            rendered, _name = documents.personal_pdf(actor=actor, person=actor.user, reflection_ids=own)
            archive.writestr("progress-report.pdf", rendered.content)
        archive.writestr(
            "README.txt",
            render_to_string(
                "reports/export_readme.txt",
                {"data": data, "organisation": actor.organisation, "with_pdf": actor.is_employee},
            ),
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DATA_EXPORTED,
        subject=actor.user_id,
        kinds=len(data["records"]),
        references=len(data["references"]),
    )
    stamp = timezone.localdate().isoformat()
    return buffer.getvalue(), f"{actor.organisation.slug}-my-data-{stamp}.zip"
