"""The coaching agreement: HR publishes versions, employees accept the one in force before their first
session (which makes their enrolment active), and `agreement_accepted` tells booking whether they did."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from programmes.models import Agreement, AgreementAcceptance, Enrolment
from programmes.selectors.enrolment import agreement_accepted
from programmes.services import agreement as services
from tests.programmes.queries import pinned_queries


@pytest.fixture
def employee(acme, actor):
    return actor(acme.employee, acme)


def test_each_save_publishes_a_new_version(hr, acme):
    first = services.agreement_publish(actor=hr, body="First text.\r\n")
    second = services.agreement_publish(actor=hr, body="Second text.")
    assert (first.version, first.body, first.created_by) == (1, "First text.", acme.hr)
    assert second.version == 2
    with pytest.raises(ValidationError) as error:
        services.agreement_publish(actor=hr, body="Second text.  ")
    assert error.value.message_dict == {"body": ["The text is the same as the current version; nothing was published."]}
    with pytest.raises(ValidationError):
        services.agreement_publish(actor=hr, body="   ")


def test_the_standard_text_says_who_sees_what_and_the_limits_of_confidentiality():
    english, dutch = services.default_text("en"), services.default_text("nl")
    for phrase in (
        "What you will see",
        "What your coach will see",
        "What HR will see",
        "The limits of confidentiality",
        "at least five people",
    ):
        assert phrase in english
    for phrase in ("Wat jij ziet", "Wat je coach ziet", "Wat HR ziet", "De grenzen van vertrouwelijkheid"):
        assert phrase in dutch


def test_accepting_the_standard_text_stores_it_as_version_one_and_activates_the_enrolment(employee, acme):
    Enrolment.objects.filter(employee=acme.employee).update(status="invited")
    assert not agreement_accepted(user=acme.employee)
    acceptance = services.agreement_accept(actor=employee, version=0)
    assert acceptance.agreement.version == 1 and acceptance.agreement.body == services.default_text("en")
    assert agreement_accepted(user=acme.employee)
    assert set(Enrolment.objects.filter(employee=acme.employee).values_list("status", flat=True)) == {"active"}


def test_a_new_version_must_be_accepted_again(employee, hr, acme):
    services.agreement_publish(actor=hr, body="Version one.")
    services.agreement_accept(actor=employee, version=1)
    services.agreement_publish(actor=hr, body="Version two.")
    assert not agreement_accepted(user=acme.employee)
    with pytest.raises(ValidationError) as error:
        services.agreement_accept(actor=employee, version=1)  # read the old text in another tab
    assert error.value.messages == ["The agreement changed while you were reading it. Please read the new version."]
    services.agreement_accept(actor=employee, version=2)
    services.agreement_accept(actor=employee, version=2)  # twice is once
    assert agreement_accepted(user=acme.employee)
    assert AgreementAcceptance.objects.filter(user=acme.employee).count() == 2


def test_reading_the_standard_text_does_not_accept_a_text_hr_published_meanwhile(employee, hr):
    services.agreement_publish(actor=hr, body="Our own text.")
    with pytest.raises(ValidationError):
        services.agreement_accept(actor=employee, version=0)


def test_agreement_accepted_is_one_query(acme):
    with pinned_queries("the person's acceptance of the newest version"):
        agreement_accepted(user=acme.employee)


def test_an_employee_with_a_seat_is_asked_on_their_home_until_they_accept(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    assert "Before your first session: the coaching agreement" in client.get("/").content.decode()
    page = client.get("/agreement/?next=/").content.decode()
    assert "What HR will see" in page and 'name="version" value="0"' in page
    response = client.post("/agreement/accept/", {"version": "0", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Before your first session" not in client.get("/").content.decode()
    assert "You accepted this version on" in client.get("/agreement/").content.decode()


def test_the_accept_button_never_sends_anyone_to_another_site(world, client_for):
    response = client_for(world.acme.employee, world.acme.host).post(
        "/agreement/accept/", {"version": "0", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_hr_edits_the_text_and_sees_who_accepted_which_version(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    form = client.get("/agreement/edit/").content.decode()
    assert "Saving publishes version 1." in form and "What your coach will see" in form  # starts from the standard
    response = client.post("/agreement/edit/", {"body": "Acme's agreement: what each of us sees."})
    assert response.status_code == 302
    page = client.get("/agreement/").content.decode()
    assert "Acme&#x27;s agreement: what each of us sees." in page and "Version 1" in page
    assert '0 <span class="stat__unit">/ 2</span>' in page  # nobody of the two enrolled people accepted yet
    with in_tenant(world.acme):
        assert Agreement.objects.get().created_by == world.acme.hr


def test_globex_reads_the_standard_text_in_dutch(world, client_for):
    page = client_for(world.globex.employee, world.globex.host).get("/agreement/").content.decode()
    assert "Coaching werkt als je vrijuit kunt praten." in page
