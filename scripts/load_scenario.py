"""The load scenario: the three roles using the portal at once, against the production stack (make load;
locust runs it through bench/locustfile.py).

Employees (most users) look at their home, book 1:1s with their coach, follow their sessions, open their
assessments and write reflections; coaches open their sessions, mark attendance and write private
notes; HR managers watch their dashboard and people and import small CSV files. Each simulated person
signs in through the login form of their organisation's host (Acme or Globex, the demo people) and then
acts with a few seconds between steps. Requests go to both web processes in turn (LOAD_PORTS), as a
load balancer would send them, with the load balancer's `X-Forwarded-Proto: https`.

An error is any answer a person would see as broken: 5xx, an unexpected 4xx, or a refused sign-in.
A booking the portal refuses because the slot was just taken is an answer, not an error.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time
import uuid
from http.cookiejar import DefaultCookiePolicy

from locust import HttpUser, between, task

from tenants.demo_totp import STEP_SECONDS, code_after

PASSWORD = "portal-demo"
PORTS = [int(port) for port in os.environ.get("LOAD_PORTS", "8171 8172").split()]
ORGANISATIONS = {
    "acme": {"host": "acme.localhost", "hr": "hr@acme.example", "employee": "employee{}@acme.example"},
    "globex": {"host": "globex.localhost", "hr": "hr@globex.example", "employee": "werknemer{}@globex.example"},
}
COACH = "coach@coaching.example"
EMPLOYEES = 25
SLOT = re.compile(r'action="/book/(\d+)/"')
LATER = re.compile(r'href="(/book/\?weeks=\d+)"')
SESSION = re.compile(r'href="/sessions/(\d+)/"')
ASSIGNMENT = re.compile(r'href="/assessments/(\d+)/"')
_ports = itertools.cycle(PORTS)
# The time step of the last two-factor code each account used (one load generator process).
CODE_STEPS: dict[str, int] = {}

# TLS ends at the load balancer, so on loopback the portal's Secure cookies travel over plain http. Requests
# builds a fresh cookie jar (with the default policy) for every request, so the policy is relaxed here, in
# the load generator's process only.
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class Person(HttpUser):
    abstract = True
    wait_time = between(2, 6)
    role = ""

    def on_start(self) -> None:
        self.organisation = ORGANISATIONS[random.choice(list(ORGANISATIONS))]
        self.sign_in(self.email())

    def email(self) -> str:
        raise NotImplementedError

    # requests, sent to the web processes in turn

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{next(_ports)}{path}"

    def headers(self, **extra) -> dict:
        return {"Host": self.organisation["host"], "X-Forwarded-Proto": "https", **extra}

    def get(self, path: str, name: str | None = None, **kwargs):
        return self.client.get(self.url(path), headers=self.headers(), name=name or path, **kwargs)

    def post(self, path: str, data=None, name: str | None = None, **kwargs):
        csrf = self.client.cookies.get("csrftoken", "")
        headers = self.headers(
            **{
                "X-CSRFToken": csrf,
                "Origin": f"https://{self.organisation['host']}",
                "Referer": f"https://{self.organisation['host']}{path}",
            }
        )
        return self.client.post(self.url(path), data=data, headers=headers, name=name or path, **kwargs)

    def sign_in(self, email: str) -> None:
        self.get("/login/", name="sign-in page")
        with self.post(
            "/login/",
            {"username": email, "password": PASSWORD},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"signing in as {email} was refused ({response.status_code})")
            elif response.headers.get("Location") == "/login/code/":
                self.enter_code(email)

    def enter_code(self, email: str) -> None:
        """The demo coach signs in with two factors: a code from the demo key, each good once (the portal also
        takes the next 30 seconds' code, so two coaches sign in per 30 seconds and a third waits)."""
        # The step is taken before waiting for it: simulated people signing in as the same coach at once
        # take successive steps instead of all using the first.
        step = max(int(time.time()) // STEP_SECONDS, CODE_STEPS.get(email, 0) + 1)
        CODE_STEPS[email] = step
        code, _step = code_after(step - 1)
        with self.post(
            "/login/code/", {"code": code}, name="sign in: code", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"the code for {email} was refused ({response.status_code})")


class Employee(Person):
    weight = 6

    def email(self) -> str:
        return self.organisation["employee"].format(random.randint(1, EMPLOYEES))

    @task(4)
    def home(self) -> None:
        self.get("/", name="employee: home")

    @task(3)
    def book(self) -> None:
        page = self.get("/book/", name="employee: free times")
        slots = SLOT.findall(page.text)
        later = LATER.search(page.text)
        while not slots and later:  # the first weeks are taken: look further ahead, as a person would
            page = self.get(later.group(1), name="employee: later free times")
            slots, later = SLOT.findall(page.text), LATER.search(page.text)
        # People look at the free times more often than they book one.
        if not slots or random.random() < 0.5:
            return
        # A slot someone else took meanwhile is refused with a message: an answer, not an error.
        self.post(f"/book/{random.choice(slots[:10])}/", name="employee: book a slot")

    @task(2)
    def sessions(self) -> None:
        page = self.get("/sessions/", name="employee: sessions")
        found = SESSION.findall(page.text)
        if found:
            self.get(f"/sessions/{random.choice(found)}/", name="employee: a session")

    @task(2)
    def assessments(self) -> None:
        page = self.get("/assessments/", name="employee: assessments")
        found = ASSIGNMENT.findall(page.text)
        if found:
            self.get(f"/assessments/{random.choice(found)}/", name="employee: answer an assessment")

    @task(1)
    def reflect(self) -> None:
        self.get("/reflections/", name="employee: reflections")
        self.post(
            "/reflections/",
            {
                "body": "What went well today: I asked for help early. " + uuid.uuid4().hex,
                "shared_with_coach": random.choice(["on", ""]),
            },
            name="employee: write a reflection",
        )

    @task(1)
    def goals(self) -> None:
        self.get("/goals/", name="employee: goals")


class Coach(Person):
    weight = 2

    def email(self) -> str:
        return COACH

    @task(3)
    def sessions(self) -> None:
        page = self.get("/sessions/?when=past", name="coach: sessions")
        self.past = SESSION.findall(page.text) or getattr(self, "past", [])

    @task(2)
    def attendance(self) -> None:
        if not getattr(self, "past", None):
            return self.sessions()
        session = random.choice(self.past)
        sheet = self.get(f"/sessions/{session}/attendance/", name="coach: attendance sheet")
        marks = {
            name: random.choice(["present", "absent", "excused"])
            for name in set(re.findall(r'name="(user_\d+)"', sheet.text))
        }
        if marks:
            self.post(f"/sessions/{session}/attendance/", marks, name="coach: mark attendance")

    @task(2)
    def note(self) -> None:
        if not getattr(self, "past", None):
            return self.sessions()
        session = random.choice(self.past)
        self.get(f"/sessions/{session}/follow-up/", name="coach: session follow-up")
        self.post(
            f"/sessions/{session}/follow-up/note/",
            {"body": "Explore the delegation question next time."},
            name="coach: write a private note",
        )

    @task(1)
    def home(self) -> None:
        self.get("/", name="coach: home")


class HRManager(Person):
    weight = 2

    def email(self) -> str:
        return self.organisation["hr"]

    @task(4)
    def dashboard(self) -> None:
        self.get("/reports/", name="hr: dashboard")

    @task(2)
    def home(self) -> None:
        self.get("/", name="hr: home")

    @task(2)
    def people(self) -> None:
        self.get("/people/", name="hr: people")

    @task(1)
    def import_csv(self) -> None:
        page = self.get("/enrolments/import/", name="hr: import page")
        programmes = re.findall(r'<option value="(\d+)"[^>]*>\s*Load test programme', page.text)
        if not programmes:
            return
        tag = uuid.uuid4().hex[:8]
        rows = "".join(
            f"load-{tag}-{n}@{self.organisation['host'].split('.')[0]}.example,Load,{n},Depot,Load\n" for n in range(10)
        )
        csv = "email,first name,last name,department,cohort\n" + rows
        csrf = self.client.cookies.get("csrftoken", "")
        self.client.post(
            self.url("/enrolments/import/"),
            data={"programme": programmes[0], "csrfmiddlewaretoken": csrf},
            files={"file": ("employees.csv", csv.encode(), "text/csv")},
            name="hr: import 10 people",
            headers=self.headers(
                Origin=f"https://{self.organisation['host']}",
                Referer=f"https://{self.organisation['host']}/enrolments/import/",
            ),
        )
