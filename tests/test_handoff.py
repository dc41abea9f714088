"""The handoff from the public host into an organisation: bound to the browser that asked for it, and never
silently replacing someone else's session."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.test import Client

from tenants import services
from tenants.models import HandoffToken


class Browser:
    """One browser: a cookie jar per host (the portal's cookies name no domain), redirects followed across
    hosts as a browser follows them."""

    def __init__(self, **clients: Client):
        self.clients = {host.replace("_", "."): client for host, client in clients.items()}

    def client(self, host: str) -> Client:
        return self.clients.setdefault(host, Client(HTTP_HOST=host))

    def get(self, host: str, path: str):
        return self.client(host).get(path)

    def follow_until(self, host: str, path: str, marker: str) -> tuple[str, str]:
        """Follow redirects from host+path until a Location containing `marker`; that (host, path)."""
        for _ in range(6):
            response = self.get(host, path)
            assert response.status_code == 302, response.status_code
            location = urlsplit(response["Location"])
            host = location.hostname or host
            path = location.path + (f"?{location.query}" if location.query else "")
            if marker in path:
                return host, path
        raise AssertionError(f"no redirect to {marker}")


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def ticket_link(world, client_for, **clients: Client) -> tuple[Browser, str, str]:
    """The coach, signed in on the public host, opens Acme: the browser and the ticket link it reaches."""
    browser = Browser(localhost=client_for(world.coach_both, "localhost"), **clients)
    host, path = browser.follow_until("localhost", "/go/acme/?next=/sessions/", "/handoff/?token=")
    assert host == "acme.localhost"
    return browser, host, path


def test_the_handoff_signs_the_coach_in_where_they_asked(world, client_for):
    browser, host, path = ticket_link(world, client_for)
    response = browser.get(host, path)
    assert response.status_code == 302 and response["Location"] == "/sessions/"
    assert signed_in_user_id(browser.client(host)) == str(world.coach_both.pk)
    assert browser.get(host, "/").status_code == 200


def test_a_handoff_link_opened_in_another_browser_signs_nobody_in(world, client_for):
    browser, host, path = ticket_link(world, client_for)
    thief = Client(HTTP_HOST=host)
    response = thief.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert signed_in_user_id(thief) is None
    # The thief's attempt did not spend it: the coach's own browser still gets in.
    browser.get(host, path)
    assert signed_in_user_id(browser.client(host)) == str(world.coach_both.pk)


def test_a_handoff_link_opened_with_another_browsers_mark_signs_nobody_in(world, client_for):
    _browser, host, path = ticket_link(world, client_for)
    # The other browser went through the first leg itself, so it holds a mark of its own.
    other = Client(HTTP_HOST=host)
    other.get("/handoff/begin/?next=/")
    assert other.cookies[services.HANDOFF_COOKIE].value
    other.get(path)
    assert signed_in_user_id(other) is None
    assert HandoffToken.objects.get().used_at is None


def test_a_prepared_second_leg_link_makes_no_ticket(world, client_for):
    # Someone sends the coach a link with their own binding: the coach's browser did not start that leg.
    public = client_for(world.coach_both, "localhost")
    binding = services.handoff_binding(services.handoff_nonce())
    response = public.get(f"/go/acme/?state=guess&binding={binding}")
    assert response.status_code == 302 and "/handoff/" not in response["Location"]
    assert not HandoffToken.objects.exists()


def test_a_handoff_where_someone_else_is_signed_in_asks_before_switching(world, client_for):
    employee_session = client_for(world.acme.employee, "acme.localhost")
    browser, host, path = ticket_link(world, client_for, acme_localhost=employee_session)
    confirm = browser.get(host, path)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert world.acme.employee.email in page and world.coach_both.email in page
    # Nothing changed yet: the employee is still signed in, the ticket not spent.
    assert signed_in_user_id(employee_session) == str(world.acme.employee.pk)
    assert HandoffToken.objects.get().used_at is None
    token = unquote(path.split("token=", 1)[1])
    switched = employee_session.post("/handoff/", {"token": token})
    assert switched.status_code == 302 and switched["Location"] == "/sessions/"
    assert signed_in_user_id(employee_session) == str(world.coach_both.pk)


def test_the_same_person_already_signed_in_is_not_asked(world, client_for):
    coach_session = client_for(world.coach_both, "acme.localhost")
    browser, host, path = ticket_link(world, client_for, acme_localhost=coach_session)
    response = browser.get(host, path)
    assert response.status_code == 302 and response["Location"] == "/sessions/"
    assert signed_in_user_id(coach_session) == str(world.coach_both.pk)


def test_the_handoff_marks_are_short_lived_http_only_cookies_of_their_own_host(world, client_for):
    public = client_for(world.coach_both, "localhost")
    first_leg = public.get("/go/acme/")
    state = public.cookies[services.HANDOFF_COOKIE]
    assert state["httponly"] and state["samesite"] == "Lax" and state["domain"] == ""
    assert int(state["max-age"]) <= 60
    organisation = Client(HTTP_HOST="acme.localhost")
    location = urlsplit(first_leg["Location"])
    second_leg = organisation.get(f"{location.path}?{location.query}")
    mark = organisation.cookies[services.HANDOFF_COOKIE]
    assert mark["httponly"] and mark["samesite"] == "Lax" and mark["domain"] == ""
    # The way back to the public host carries only the mark's hash, never the mark.
    assert services.handoff_binding(mark.value) in second_leg["Location"]
    assert mark.value not in second_leg["Location"]
