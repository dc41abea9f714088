"""Each acceptance of the employee-only agreement stays valid: it becomes the employee's acceptance of
version 1 of the three-way agreement of each of their enrolments (the text they accepted, no objectives
yet), marked as carried over so that booking goes on as before until someone writes objectives."""

from django.db import migrations


def carry_over(apps, schema_editor):
    AgreementAcceptance = apps.get_model("programmes", "AgreementAcceptance")
    Enrolment = apps.get_model("programmes", "Enrolment")
    EnrolmentAgreement = apps.get_model("programmes", "EnrolmentAgreement")
    PartyAcceptance = apps.get_model("programmes", "PartyAcceptance")
    newest = {}
    for acceptance in AgreementAcceptance.objects.order_by("agreement__version").select_related("agreement"):
        newest[acceptance.user_id] = acceptance
    started = set(EnrolmentAgreement.objects.values_list("enrolment_id", flat=True))
    for enrolment in Enrolment.objects.filter(employee_id__in=list(newest)).exclude(pk__in=started):
        acceptance = newest[enrolment.employee_id]
        agreement = EnrolmentAgreement.objects.create(
            enrolment=enrolment,
            version=1,
            terms_id=acceptance.agreement_id,
            objectives="",
            proposed_by_id=None,
            proposed_at=acceptance.accepted_at,
            carried_over=True,
        )
        PartyAcceptance.objects.create(
            agreement=agreement, party="employee", user_id=enrolment.employee_id, accepted_at=acceptance.accepted_at
        )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0008_three_way_agreement")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
