"""Invitations are sent by one function, one at a time after `invitation_create` and in bulk after a CSV
import: each in its reader's language, over one mail connection, never for an invitation already used."""

from django.core import mail
from django.utils import timezone

from tenants import services
from tenants.models import Invitation


def _invite(world, email: str, organisation=None) -> Invitation:
    return services.invitation_create(
        email=email,
        organisation=organisation or world.acme.organisation,
        role="employee",
        acting_user=world.acme.hr,
        send=False,
    )


def test_it_sends_one_invitation_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            email="one.at.a.time@acme.test",
            organisation=world.acme.organisation,
            role="employee",
            acting_user=world.acme.hr,
        )
    assert [message.to for message in mail.outbox] == [["one.at.a.time@acme.test"]]
    assert "acme.localhost" in mail.outbox[0].body and "/invitation/" in mail.outbox[0].body


def test_it_sends_many_in_each_readers_language_and_skips_used_ones(world):
    english = _invite(world, "bulk.en@acme.test")
    dutch = _invite(world, "bulk.nl@globex.test", organisation=world.globex.organisation)
    used = _invite(world, "bulk.used@acme.test")
    Invitation.objects.filter(pk=used.pk).update(status=Invitation.Status.ACCEPTED, accepted_at=timezone.now())
    sent = services.invitations_send(invitation_ids=[english.pk, dutch.pk, used.pk])
    assert sent == 2
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert set(subjects) == {"bulk.en@acme.test", "bulk.nl@globex.test"}
    assert subjects["bulk.en@acme.test"].startswith("You are invited")
    assert not subjects["bulk.nl@globex.test"].startswith("You are invited")  # Globex speaks Dutch
    assert "globex.localhost" in next(m.body for m in mail.outbox if m.to == ["bulk.nl@globex.test"])
