"""An answer saved at the moment the assessment is handed in, on a second device: it lands before the
submission or is refused after it, never in between (real connections, so nothing here is rolled back:
the test removes exactly what it made)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models import Answer, Assignment, InstrumentVersion, PhaseAssessment, Question, Score
from assessments.services import assignments as services
from portal import policy
from programmes.models import Phase
from tests.world import build_world


@pytest.fixture
def check_in(django_db_setup, django_db_blocker):
    """The session check-in scheduled for the world's programme, the employee's copy fully answered."""

    with django_db_blocker.unblock():
        world = build_world()
        org = world.acme
        with tenant_context(org.organisation):
            version = InstrumentVersion.objects.get(instrument__key="session-check-in", is_latest=True)
            frozen_before = version.frozen_at
            today = timezone.localdate()
            scheduled = services.phase_assessment_schedule(
                actor=policy.actor_for(org.hr, org.organisation),
                phase=Phase.objects.filter(programme_id=org.people["programme"], kind="individual").first(),
                version=version,
                moment="midpoint",
                opens_on=today,
                due_on=today + timedelta(days=7),
            )
            assignment = scheduled.assignments.get(employee=org.employee)
            feel, stand, _note = Question.objects.filter(version=version).order_by("position")
            me = policy.actor_for(org.employee, org.organisation)
            services.answers_save(
                actor=me,
                assignment=assignment,
                answers=[services.AnswerInput(feel.pk, value=1), services.AnswerInput(stand.pk, value=1)],
            )
        yield org, me, assignment, feel
        with tenant_context(org.organisation):
            PhaseAssessment.objects.filter(pk=scheduled.pk).delete()
            InstrumentVersion.objects.filter(pk=version.pk).update(frozen_at=frozen_before)
        connection.set_schema_to_public()


def test_an_answer_racing_the_submission_is_refused_once_it_is_in(check_in, django_db_blocker):
    org, me, assignment, feel = check_in
    locked, outcome = threading.Event(), {}

    def second_device():
        locked.wait(5)
        try:
            with tenant_context(org.organisation):
                services.answers_save(
                    actor=me, assignment=assignment, answers=[services.AnswerInput(feel.pk, value=10)]
                )
            outcome["saved"] = True
        except ValidationError as error:
            outcome["refused"] = error.messages[0]
        finally:
            connection.close()

    with django_db_blocker.unblock():
        device = threading.Thread(target=second_device)
        device.start()
        with tenant_context(org.organisation), transaction.atomic():
            # The first device is handing in: it holds the assessment's row while it scores.
            Assignment.objects.select_for_update().get(pk=assignment.pk)
            locked.set()
            device.join(0.5)
            assert device.is_alive(), "the second device must wait for the submission, not write beside it"
            services.assignment_submit(actor=me, assignment=assignment)
        device.join(10)
        with tenant_context(org.organisation):
            assert outcome == {"refused": "This assessment has been submitted; its answers can no longer change."}
            assert Answer.objects.get(assignment=assignment, question=feel).value == 1
            assert Score.objects.get(assignment=assignment, dimension_key="feeling").value == 0.0
