"""Reads kept across requests (portal/kept.py): what they give is what their querysets give, each view puts
in its own present, the policy's redaction and read log still act per view, and a read whose statement
would not be right on another day is refused where it is built."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models.journal import AccessLogEntry, ActionItem, Goal, Reflection
from assessments.models.pulse import Pulse
from assessments.selectors import pulse as pulse_selectors
from assessments.selectors.journal import overdue_actions_rows
from portal import clock, homes, kept, policy
from programmes.models import Enrolment, Session
from programmes.selectors.sessions import sessions_upcoming
from tests.programmes.queries import data_queries
from tests.world.sessions import accept_agreement


@pytest.fixture(autouse=True)
def _nothing_kept():
    kept.forget()
    yield
    kept.forget()


def _plain(value):
    """A row as data: a model instance's fields and annotations, with what select_related brought."""
    if isinstance(value, Model):
        fields = {name: _plain(item) for name, item in vars(value).items() if name != "_state"}
        related = {name: _plain(item) for name, item in value._state.fields_cache.items()}
        return (type(value).__name__, fields, related)
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


@pytest.mark.parametrize(
    "org_key,role", [("acme", "employee"), ("acme", "employee2"), ("globex", "employee"), ("acme", "hr")]
)
def test_the_homes_kept_reads_give_what_their_querysets_give(world, in_tenant, actor, org_key, role):
    org = world.org(org_key)
    with in_tenant(org):
        accept_agreement(org.employee)
        me = actor(world.user(role, org_key), org)
        fresh = {name: list(queryset) for name, queryset in homes.reads_for(me).items()}
        assert kept.read(me, "home", homes.reads_for) == kept.read(me, "home", homes.reads_for)
        again = kept.read(actor(world.user(role, org_key), org), "home", homes.reads_for)
    assert _plain(again) == _plain(fresh)
    if role != "hr":
        assert fresh["enrolments"] and fresh["next_sessions"] and fresh["attended"]  # the comparison compares


def test_the_employee_home_runs_its_reads_in_one_round_trip_and_builds_them_once(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    client.get("/")
    built = []
    original = homes.reads_for

    def counted(actor):
        built.append(actor)
        return original(actor)

    homes.reads_for = counted
    try:
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/")
    finally:
        homes.reads_for = original
    assert page.status_code == 200 and not built
    kept_runs = [sql for sql in data_queries(queries) if "EXECUTE portal_stmt_" in sql]
    assert len(kept_runs) == 1 and kept_runs[0].count("EXECUTE ") == 10


def test_a_kept_read_puts_in_each_views_present(world, in_tenant, actor, monkeypatch):
    org = world.acme
    with in_tenant(org):
        me = actor(org.employee, org)
        session = Session.objects.get(pk=org.people["session_own"])
        ends = session.starts_at + timedelta(minutes=session.duration_minutes)
        built = []

        def coming(actor):
            built.append(clock.now())
            return {"coming": sessions_upcoming(actor=actor)}

        for moment, shown in ((session.starts_at - timedelta(hours=1), True), (ends + timedelta(minutes=1), False)):
            monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
            pks = [row.pk for row in kept.read(me, "coming", coming)["coming"]]
            assert (session.pk in pks) is shown
    assert len(built) == 2  # built once, with two stand-ins for the present; run twice


def test_a_kept_read_puts_in_each_views_day(world, in_tenant, actor, monkeypatch):
    org = world.acme
    with in_tenant(org):
        me = actor(org.employee, org)
        goal = Goal.objects.filter(employee=org.employee, status=Goal.Status.ACTIVE).first()
        due = timezone.localdate() + timedelta(days=3)
        action = ActionItem.objects.create(goal=goal, title="Due in three days", due_on=due)
        noon = timezone.make_aware(datetime.combine(due, time(12)))
        for moment, overdue in ((noon, False), (noon + timedelta(days=1), True)):
            monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
            rows = kept.read(me, "overdue", lambda a: {"o": overdue_actions_rows(actor=a, employee_id=a.user_id)})
            assert (action.pk in [row.pk for row in rows["o"]]) is overdue


def test_a_read_of_the_real_clock_is_refused_where_it_is_built(world, in_tenant, actor):
    with in_tenant(world.acme):
        me = actor(world.acme.employee, world.acme)
        with pytest.raises(ImproperlyConfigured, match="changes with something other than the person"):
            kept.read(me, "t", lambda a: {"s": policy.scope(a, Session).filter(starts_at__gt=timezone.now())})


def test_a_read_of_the_persons_address_is_refused(world, in_tenant, actor):
    with in_tenant(world.acme):
        me = actor(world.acme.employee, world.acme)
        with pytest.raises(ImproperlyConfigured, match="changes with something other than the person"):
            kept.read(me, "t", lambda a: {"e": Enrolment.objects.filter(employee__email=a.user.email)})


def test_people_with_the_same_roles_share_the_statements_and_each_gets_their_own_rows(world, in_tenant, actor):
    org = world.acme
    built = []

    def reads(a):
        built.append(a.user_id)
        return {"enrolments": Enrolment.objects.filter(employee_id=a.user_id).order_by("pk")}

    with in_tenant(org):
        for person in (org.employee, org.employee2, org.employee):
            rows = kept.read(actor(person, org), "t", reads)["enrolments"]
            assert [row.pk for row in rows] == list(
                Enrolment.objects.filter(employee=person).order_by("pk").values_list("pk", flat=True)
            )
            assert rows and {row.employee_id for row in rows} == {person.pk}
    assert len(built) == 2 and person.pk not in built  # once, for two stand-ins


def test_a_read_bounded_by_the_calendar_is_refused(world, in_tenant, actor):
    with in_tenant(world.acme):
        me = actor(world.acme.employee, world.acme)
        with pytest.raises(ImproperlyConfigured, match="not the calendar"):
            kept.read(me, "t", lambda a: {"p": Pulse.objects.filter(created_at__date__gte=pulse_selectors.since())})


def test_a_read_that_queries_while_it_is_built_is_refused(world, in_tenant, actor):
    with in_tenant(world.acme):
        me = actor(world.acme.employee, world.acme)

        def reads(a):
            mine = list(Enrolment.objects.filter(employee_id=a.user_id).values_list("pk", flat=True))
            return {"s": policy.scope(a, Session).filter(enrolment_id__in=mine)}

        with pytest.raises(ImproperlyConfigured, match="queried the database while it was built"):
            kept.read(me, "t", reads)


def test_the_policy_blanks_and_logs_for_each_views_actor(world, in_tenant, actor):
    org = world.acme
    with in_tenant(org):
        hr = actor(org.hr, org)
        rows = kept.read(hr, "t", lambda a: {"s": policy.scope(a, Session).filter(pk=org.people["session_own"])})
        [session] = rows["s"]
        assert session.policy_hidden and all(not getattr(session, name) for name in session.policy_hidden)
        coach = actor(org.coach, org)
        shared = Reflection.objects.filter(employee=org.employee, shared_with_coach=True)
        assert shared.exists()
        AccessLogEntry.objects.all().delete()

        def reads(a):
            return {"shared": policy.scope(a, Reflection).filter(employee_id=org.employee.pk)}

        for _view in range(2):
            rows = kept.read(actor(org.coach, org), "t", reads)["shared"]
            assert {row.pk for row in rows} == set(shared.values_list("pk", flat=True))
        logged = AccessLogEntry.objects.filter(owner=org.employee, reader=coach.user, kind="reflection")
        assert logged.count() == 2 * len(rows)
