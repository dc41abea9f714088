"""The demo's pulses: weeks of them for the employees taking part (employee 1 every week, so their home
shows a trend), some shared with the coach, enough people for HR's released average; idempotent."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.demo import pulse as demo_pulse
from assessments.models.pulse import Pulse
from assessments.selectors import pulse as selectors
from portal import policy
from programmes import demo as programmes_demo
from programmes.demo import sessions as demo_sessions
from reports import disclosure
from reports.selectors import dashboard as dashboard_selectors
from tenants import demo
from tenants.models import Organisation, User


def test_the_demo_gives_a_pulse_trend_and_a_released_average(db):
    organisations = demo.seed_people()
    for _round in range(2):
        for organisation in organisations:
            with tenant_context(organisation):
                programmes_demo.seed(organisation)
                demo_sessions.seed(organisation)
                demo_pulse.seed(organisation)
    acme = Organisation.objects.get(slug="acme")
    employee = User.objects.get(email="employee1@acme.example")
    hr = User.objects.get(email="hr@acme.example")
    with tenant_context(acme):
        mine = list(Pulse.objects.filter(employee=employee))
        weeks = selectors.trend(mine)
        assert len(weeks) >= 6, weeks  # several weeks of trend on their home
        assert any(p.shared_with_coach for p in mine) and not all(p.shared_with_coach for p in mine)
        assert any(p.session_id for p in mine) and any(p.note for p in mine)
        assert all(p.created_at <= timezone.now() for p in mine)
        before = Pulse.objects.count()
        demo_pulse.seed(acme)  # idempotent
        assert Pulse.objects.count() == before
        disclosure.refresh(force=True)
        actor = policy.actor_for(hr, acme)
        filters, _problems = dashboard_selectors.filters_from(actor=actor, params={})
        report = dashboard_selectors.dashboard(actor=actor, filters=filters)
        assert report.pulse.shown and report.pulse.people >= 5
