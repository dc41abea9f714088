"""The confidentiality canary: unique markers go into every kind of coaching content of one employee, then
every page, fragment and API response reachable by GET is searched, for every kind of person.

Generic on purpose: it walks every URL pattern of the organisation host (and the public host for platform
staff), fills in the ids of the objects made here (and a few crafted filters, searches and orderings), so a
page someone adds later is searched too. Markers may appear only where the confidentiality table of
DESIGN.md allows: the owner sees theirs (never the coach's private note), the right coach sees what is
shared with them and their own note, and HR, another employee, a coach of someone else, the other
organisation, an outsider and platform staff see none.
"""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from assessments.models import instruments as inst
from assessments.models.journal import (
    ActionItem,
    CheckIn,
    CoachFeedback,
    Goal,
    GoalComment,
    GoalOption,
    Reflection,
    ReflectionReply,
    SessionFeedback,
    SessionNote,
    SessionSummary,
)
from assessments.models.pulse import Pulse
from assessments.tasks import organisation_overdue_action_reminders
from matching.models import Rematch
from programmes.models import Cohort, Enrolment, Phase, Session
from stakeholders.models import Rater, RaterAnswer
from tests.world import sign_in
from tests.world.assessments import assessment_handed_in, assessment_schedule

KINDS = (
    "private_reflection",
    "shared_reflection",
    "reply",
    "goal_title",
    "goal_why",
    "option",
    "action",
    "check_in",
    "comment",
    "note",
    "summary",
    "group_summary",
    "rating_comment",
    "coach_feedback",
    "answer",
    "private_pulse",
    "shared_pulse",
    "rematch_reason",
    "rater_comment",
    "rater_comment_held",
    "rater_manager_comment",
)
# What each kind of person may read. Everyone else: nothing. A rater's comment shows only within a group of
# at least three (a named manager is a group of one), to the coach only once the employee released it.
OWNER_MAY_READ = set(KINDS) - {"note", "rater_manager_comment"}
# The reason for a change of coach is the employee's alone: not their coach's, not the former coach's
# (the coach of both, below), not HR's (who sees counts per programme).
COACH_MAY_READ = set(KINDS) - {
    "private_reflection",
    "private_pulse",
    "rematch_reason",
    "rater_comment_held",
    "rater_manager_comment",
}
# What the walk must find for them somewhere (answers are the results pages' business: allowed, not required).
OWNER_MUST_FIND = OWNER_MAY_READ - {"answer"}
COACH_MUST_FIND = COACH_MAY_READ - {"answer"}

# Filters, searches and orderings a curious person might add to a list.
CRAFTED_QUERIES = (
    "?q={marker}&search={marker}&ordering=-created_at&sharing=private&shared=false",
    "?employee={employee}&user={employee}&status=active&kind=reflection&ordering=body",
    "?session={session}&shared=true&search=CANARY&page=1",
)


def _markers() -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {kind: f"canary{run}{kind.replace('_', '')}" for kind in KINDS}


def _plant(world, markers: dict[str, str]) -> dict:
    """Put each marker into its kind of content for acme's `employee`; returns the ids the walk uses."""

    org = world.acme
    now = timezone.now()
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    one_to_one = Session.objects.create(
        kind="individual", enrolment=enrolment, coach=org.coach, title="Canary 1:1", starts_at=now - timedelta(hours=3)
    )
    group = Session.objects.create(
        kind="group", cohort=enrolment.cohort, coach=org.coach, title="Canary group", starts_at=now - timedelta(hours=5)
    )
    private = Reflection.objects.create(
        employee=org.employee, session=one_to_one, body=f"{markers['private_reflection']} only mine"
    )
    shared = Reflection.objects.create(
        employee=org.employee,
        session=one_to_one,
        shared_with_coach=True,
        shared_at=now,
        body=f"{markers['shared_reflection']} for my coach",
    )
    reply = ReflectionReply.objects.create(reflection=shared, author=org.coach, body=markers["reply"])
    goal = Goal.objects.create(
        employee=org.employee,
        title=markers["goal_title"],
        why=markers["goal_why"],
        progress=35,
        progress_shared_with_hr=True,
    )
    option = GoalOption.objects.create(goal=goal, title=markers["option"], added_by=org.employee)
    action = ActionItem.objects.create(
        goal=goal, title=markers["action"], due_on=timezone.localdate() - timedelta(days=2)
    )
    check_in = CheckIn.objects.create(goal=goal, author=org.employee, progress=35, note=markers["check_in"])
    comment = GoalComment.objects.create(goal=goal, author=org.coach, body=markers["comment"])
    note = SessionNote.objects.create(session=one_to_one, author=org.coach, body=markers["note"])
    summary = SessionSummary.objects.create(session=one_to_one, author=org.coach, body=markers["summary"])
    group_summary = SessionSummary.objects.create(session=group, author=org.coach, body=markers["group_summary"])
    rating = SessionFeedback.objects.create(
        session=one_to_one, employee=org.employee, rating=5, comment=markers["rating_comment"]
    )
    coach_feedback = CoachFeedback.objects.create(
        session=one_to_one, coach=org.coach, employee=org.employee, body=markers["coach_feedback"]
    )
    # A free-text answer in a submitted assessment.
    instrument = inst.Instrument.objects.create(key=f"canary-{uuid.uuid4().hex[:6]}")
    version = inst.InstrumentVersion.objects.create(
        instrument=instrument, number=1, title_en="Canary check", title_nl="Canarycheck", frozen_at=now
    )
    question = inst.Question.objects.create(
        version=version, position=1, kind="text", text_en="Anything else?", text_nl="Nog iets?", required=False
    )
    phase = Phase.objects.get(pk=org.people["phase"])
    scheduled = assessment_schedule(
        phase,
        version,
        "initial",
        opens_on=timezone.localdate() - timedelta(days=7),
        due_on=timezone.localdate() + timedelta(days=7),
    )
    assignment = assessment_handed_in(scheduled, enrolment, version, started_at=now, submitted_at=now)
    inst.Answer.objects.create(assignment=assignment, question=question, text=markers["answer"], saved_at=now)
    private_pulse = Pulse.objects.create(
        employee=org.employee,
        enrolment=enrolment,
        session=one_to_one,
        feeling=2,
        energy=2,
        confidence=3,
        note=markers["private_pulse"],
    )
    shared_pulse = Pulse.objects.create(
        employee=org.employee,
        enrolment=enrolment,
        feeling=4,
        energy=3,
        confidence=4,
        note=markers["shared_pulse"],
        shared_with_coach=True,
        shared_at=now,
    )
    # A change of coach: the coach of both is the former coach, the reason the employee's alone.
    rematch = Rematch.objects.create(
        enrolment=enrolment, employee=org.employee, former_coach=world.coach_both, reason=markers["rematch_reason"]
    )
    # Raters' comments in the employee's stakeholder rounds: a peer's in the released start round and in the
    # unreleased end round, and the named manager's (a group of one: never shown).
    for key, relation, marker in (
        ("s_start", "peer", "rater_comment"),
        ("s_end", "peer", "rater_comment_held"),
        ("s_start", "manager", "rater_manager_comment"),
    ):
        rater = Rater.objects.filter(round_id=org.people[key], relation=relation, submitted_at__isnull=False).first()
        text_question = inst.Question.objects.filter(version_id=rater.round.version_id, kind="text").first()
        RaterAnswer.objects.update_or_create(
            rater=rater, question=text_question, defaults={"text": markers[marker], "saved_at": now}
        )
    # Every object that carries a marker or names the employee; a pattern is tried with each of these ids.
    ids = {
        org.people["s_start"],
        org.people["s_end"],
        private.pk,
        shared.pk,
        reply.pk,
        goal.pk,
        option.pk,
        action.pk,
        check_in.pk,
        comment.pk,
        note.pk,
        summary.pk,
        group_summary.pk,
        rating.pk,
        coach_feedback.pk,
        assignment.pk,
        private_pulse.pk,
        shared_pulse.pk,
        one_to_one.pk,
        group.pk,
        enrolment.pk,
        org.employee.pk,
        rematch.pk,
    }
    return {
        "ids": sorted(ids),
        "sessions": [one_to_one.pk, group.pk],
        "employee": org.employee.pk,
        "users": [org.employee.pk, org.employee2.pk],
        "options": [option.pk],
        "actions": [action.pk],
        "markers": markers,
        # The rater links of the test world: every reader opens them as a rater would.
        "tokens": [org.people["s_token_open"], org.people["s_token_closed"]],
    }


def _patterns(urlconf: str):
    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.name.endswith("-format"):
                yield pattern

    return list(walk(get_resolver(urlconf)))


def _candidates(name: str, planted: dict) -> list:
    """The values a URL parameter is tried with: the ids of everything planted, by what the name suggests."""
    if name in ("session_pk", "session_id"):
        return planted["sessions"]
    if name in ("employee_pk", "user_pk", "user_id", "employee_id"):
        return planted["users"]
    if name == "option_pk":
        return planted["options"]
    if name == "action_pk":
        return planted["actions"]
    if name.endswith("pk") or name.endswith("id"):
        return planted["ids"]
    if name == "token":
        return planted["tokens"]
    return []  # slugs, secrets: nothing of ours is named by them


def _urls(urlconf: str, planted: dict) -> list[tuple[str, list[str]]]:
    """Every URL with the planted ids, each with its crafted variants (filters, searches and orderings,
    for the pages without an id: the lists)."""
    urls = []
    # The search term every marker starts with (never a whole marker: pages echo their own URL).
    prefix = planted["markers"]["shared_reflection"][: len("canary") + 8]
    for pattern in _patterns(urlconf):
        names = list(pattern.pattern.regex.groupindex)
        if not names:
            base = reverse(pattern.name, urlconf=urlconf)
            urls.append(
                (
                    base,
                    [
                        base + query.format(marker=prefix, employee=planted["employee"], session=planted["sessions"][0])
                        for query in CRAFTED_QUERIES
                    ],
                )
            )
            continue
        values = [_candidates(name, planted) for name in names]
        if not all(values):
            continue
        for combination in itertools.product(*values):
            try:
                urls.append((reverse(pattern.name, urlconf=urlconf, kwargs=dict(zip(names, combination))), []))
            except Exception:  # a converter that refuses this value: not reachable with it
                continue
    return list({url: (url, variants) for url, variants in urls}.values())


def _walk(user, host: str, urls, markers: dict[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    """GET every url as `user` on `host`, as a page and as an htmx fragment, and where it answers also its
    crafted variants; which markers showed where, and which answers were server errors."""
    client = sign_in(Client(HTTP_HOST=host, raise_request_exception=False), user, host)
    found: dict[str, list[str]] = {}
    crashes = []
    needles = {kind: marker.lower() for kind, marker in markers.items()}

    def fetch(url: str, as_fragment: bool) -> bool:
        answered = False
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}) if as_fragment else ({},):
            # Each request in a savepoint rolled back at once: what a GET writes (the read audit) goes,
            # and so do the locks it took, which a walk of thousands of requests would otherwise pile up.
            with transaction.atomic():
                response = client.get(url, **headers)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                crashes.append(f"{url} {'(htmx)' if headers else ''}: {response.status_code}")
                return False
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", errors="replace").lower()
            for kind, needle in needles.items():
                if needle in text:
                    found.setdefault(kind, []).append(url)
            answered = answered or response.status_code == 200
            # Only a page that answered may have a fragment of its own to show.
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                break
        return answered

    # Lists (no id in the URL) and their filtered variants are also asked for as htmx fragments, which
    # is how their filters and searches are used; a URL with an id is a fragment endpoint of its own.
    for url, variants in urls:
        if fetch(url, as_fragment=bool(variants)):
            for variant in variants:
                fetch(variant, as_fragment=True)
    return found, crashes


def _leaks(found: dict[str, list[str]], allowed: set[str]) -> list[str]:
    return [f"{kind} at {urls[:3]}" for kind, urls in found.items() if kind not in allowed]


@pytest.fixture(autouse=True)
def _language_restored():
    """Requests on Globex's host leave Dutch active in this thread; the tests after these expect none."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def pdfs_as_their_html(monkeypatch):
    """A PDF's text is compressed and in font subsets, so the canary reads what it is made from instead:
    every document WeasyPrint is asked for comes out as its source HTML (and quickly)."""
    weasyprint = pytest.importorskip("weasyprint")
    original_init = weasyprint.HTML.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._canary_source = kwargs.get("string") or (args[0] if args and isinstance(args[0], str) else "")

    def as_html(self, target=None, **kwargs) -> bytes:
        return b"%PDF-1.7 canary " + getattr(self, "_canary_source", "").encode()

    class Document:  # what HTML.render() gives, as far as a caller uses it
        def __init__(self, html):
            self.pages = [None]
            self.write_pdf = lambda target=None, **kwargs: as_html(html)

    monkeypatch.setattr(weasyprint.HTML, "__init__", init)
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", as_html)
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, *args, **kwargs: Document(self))


@pytest.fixture
def planted(world, in_tenant):
    markers = _markers()
    with in_tenant(world.acme):
        return _plant(world, markers)


def _gettable(urls, world):
    """Leave out the patterns that answer GET with 405: writes only (one probe per pattern)."""
    refuses: dict[str, bool] = {}
    client = sign_in(
        Client(HTTP_HOST=world.acme.host, raise_request_exception=False), world.acme.employee, world.acme.host
    )
    kept = []
    for url, variants in urls:
        shape = re.sub(r"/\d+/", "/0/", url)
        if shape not in refuses:
            refuses[shape] = client.get(url).status_code == 405
        if not refuses[shape]:
            kept.append((url, variants))
    return kept


def test_coaching_content_reaches_exactly_who_may_read_it(world, planted):
    """One walk per reader: the owner and their coach find what is theirs and nothing more; everyone else
    finds nothing, whatever id, filter, search or ordering they try."""
    tenant_urls = _gettable(_urls("portal.urls_tenant", planted), world)
    # Readers the membership check turns away before any view runs, and the other organisation at home
    # (where the same ids name other rows), are asked every page without an id, with its variants.
    turned_away = [(url, variants) for url, variants in tenant_urls if variants]
    public_urls = _urls("portal.urls_public", planted)
    markers = planted["markers"]
    acme, globex = world.acme, world.globex

    owner, crashes = _walk(acme.employee, acme.host, tenant_urls, markers)
    coach, crashed = _walk(acme.coach, acme.host, tenant_urls, markers)
    crashes += crashed
    assert not _leaks(owner, OWNER_MAY_READ), _leaks(owner, OWNER_MAY_READ)
    assert not _leaks(coach, COACH_MAY_READ), _leaks(coach, COACH_MAY_READ)
    assert set(owner) >= OWNER_MUST_FIND, f"the owner cannot find: {sorted(OWNER_MUST_FIND - set(owner))}"
    assert set(coach) >= COACH_MUST_FIND, f"their coach cannot find: {sorted(COACH_MUST_FIND - set(coach))}"

    readers = [
        ("acme hr", acme.hr, acme.host, tenant_urls),
        ("another employee", acme.employee2, acme.host, tenant_urls),
        ("a coach of someone else", world.coach_both, acme.host, tenant_urls),
        ("an outsider", world.outsider, acme.host, turned_away),
        ("platform staff on the organisation host", world.staff, acme.host, turned_away),
        ("platform staff", world.staff, world.public_host, public_urls),
        ("the coach of both on the public host", world.coach_both, world.public_host, public_urls),
        ("signed out", None, acme.host, turned_away),
    ]
    # The other organisation: on its own host and, with a session wrongly bound to this host, on acme's.
    for role in ("hr", "coach", "employee"):
        readers.append((f"globex {role} at home", getattr(globex, role), globex.host, turned_away))
        readers.append((f"globex {role} on acme's host", getattr(globex, role), acme.host, turned_away))
    failures = []
    for label, user, host, urls in readers:
        found, crashed = _walk(user, host, urls, markers)
        failures += [f"{label}: {leak}" for leak in _leaks(found, set())]
        crashes += crashed
    assert not failures, "Coaching content leaked:\n" + "\n".join(failures)
    assert not crashes, "Pages crashed on crafted ids:\n" + "\n".join(sorted(set(crashes)))


def test_a_second_coach_never_reads_the_note_and_unsharing_takes_a_reflection_back(world, planted, in_tenant):

    urls = _gettable(_urls("portal.urls_tenant", planted), world)
    with in_tenant(world.acme):
        # The coach of both becomes a second coach of the employee (a coach of their cohort), and the
        # employee takes their shared reflection back.
        Cohort.objects.get(pk=world.acme.people["cohort_a"]).coaches.add(world.coach_both)
        shared = Reflection.objects.filter(
            employee=world.acme.employee, body__startswith=planted["markers"]["shared_reflection"]
        )
        shared.update(shared_with_coach=False)
        Pulse.objects.filter(employee=world.acme.employee, note=planted["markers"]["shared_pulse"]).update(
            shared_with_coach=False
        )
    found, _ = _walk(world.coach_both, world.acme.host, urls, planted["markers"])
    # The private note is its author's alone, and an unshared reflection (with its replies) or pulse leaves
    # every view.
    unseen = {"note", "private_reflection", "shared_reflection", "reply", "private_pulse", "shared_pulse"}
    assert not unseen & set(found), found
    # What they may read as the employee's coach, they do read: the walk is not blind.
    assert {"goal_title", "action", "summary"} <= set(found), found


def test_the_overdue_reminder_names_no_content(world, planted, in_tenant):

    with in_tenant(world.acme):
        organisation_overdue_action_reminders()
    mine = [m for m in mail.outbox if world.acme.employee.email in m.to]
    assert mine, "the employee with an overdue action is reminded"
    text = " ".join(f"{m.subject} {m.body}" for m in mail.outbox).lower()
    assert not [kind for kind, marker in planted["markers"].items() if marker.lower() in text]
    assert re.search(r"/goals/", mine[0].body)
