"""HR changes one person's allowance of 1:1 credits on their enrolment page, in place with htmx, through
the service the API uses: never below what was already used, with a clear message. HR sees use per
enrolment on the credit page, which links to each enrolment."""

from __future__ import annotations

from programmes.models import CreditTransaction, Enrolment


def _allowance(org, in_tenant) -> int:
    with in_tenant(org):
        return Enrolment.objects.get(pk=org.people["enrolment"]).credit_allowance


def _used(org, in_tenant) -> int:
    with in_tenant(org):
        return -sum(
            CreditTransaction.objects.filter(enrolment_id=org.people["enrolment"]).values_list("delta", flat=True)
        )


def test_hr_sees_the_allowance_form_on_the_enrolment_page_and_others_do_not(world, client_for):
    path = f"/enrolments/{world.acme.people['enrolment']}/"
    assert f'hx-post="{path}credits/"' in client_for(world.acme.hr, world.acme.host).get(path).content.decode()
    for user in (world.acme.coach, world.acme.employee):
        html = client_for(user, world.acme.host).get(path).content.decode()
        assert "credits/" not in html and "of which" in html  # they see the figures, not the form


def test_hr_changes_the_allowance_in_place(world, client_for, in_tenant):
    org = world.acme
    response = client_for(org.hr, org.host).post(
        f"/enrolments/{org.people['enrolment']}/credits/", {"credit_allowance": "9"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="enrolment-credits"' in html
    assert f"9, of which {_used(org, in_tenant)} used" in html and "Saved" in html
    assert _allowance(org, in_tenant) == 9


def test_an_allowance_below_what_was_used_is_refused_with_the_reason(world, client_for, in_tenant):
    org = world.acme
    used = _used(org, in_tenant)
    assert used >= 1  # the world's past 1:1 used one
    before = _allowance(org, in_tenant)
    client = client_for(org.hr, org.host)
    html = client.post(
        f"/enrolments/{org.people['enrolment']}/credits/", {"credit_allowance": str(used - 1)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    expected = (
        f"{used} credit is already used; the allowance cannot be lower."
        if used == 1
        else f"{used} credits are already used; the allowance cannot be lower."
    )
    assert expected in html and 'role="alert"' in html
    assert _allowance(org, in_tenant) == before
    # Without htmx: back to the page with the same message.
    page = client.post(
        f"/enrolments/{org.people['enrolment']}/credits/", {"credit_allowance": str(used - 1)}, follow=True
    ).content.decode()
    assert expected in page
    assert _allowance(org, in_tenant) == before


def test_a_value_that_is_not_a_number_is_refused(world, client_for, in_tenant):
    org = world.acme
    before = _allowance(org, in_tenant)
    html = (
        client_for(org.hr, org.host)
        .post(f"/enrolments/{org.people['enrolment']}/credits/", {"credit_allowance": "lots"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Enter a whole number." in html
    assert _allowance(org, in_tenant) == before


def test_the_credit_page_links_each_enrolment(world, client_for):
    html = client_for(world.acme.hr, world.acme.host).get("/sessions/credits/").content.decode()
    assert f'href="/enrolments/{world.acme.people["enrolment"]}/"' in html
