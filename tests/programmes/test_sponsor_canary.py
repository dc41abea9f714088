"""The sponsor's canary: with the markers of every kind of coaching content planted for acme's employee
(tests/assessments/test_canary.py), the employee's manager, an employee here and their sponsor, walks every
page, fragment and API answer: they find the agreed objectives and nothing of the content."""

from __future__ import annotations

from programmes.models import EmployeeProfile, EnrolmentAgreement
from tests.assessments.test_canary import (  # noqa: F401  (the fixtures are used by name)
    _gettable,
    _language_restored,
    _leaks,
    _urls,
    _walk,
    pdfs_as_their_html,
    planted,
)


def test_the_sponsor_finds_the_objectives_and_no_content(world, planted, in_tenant):  # noqa: F811
    markers = dict(planted["markers"], objectives=planted["markers"]["goal_title"].replace("goaltitle", "objectives"))
    with in_tenant(world.acme):
        EmployeeProfile.objects.filter(user=world.acme.employee).update(manager=world.acme.employee2)
        EnrolmentAgreement.objects.filter(pk=world.acme.people["agreement"]).update(
            objectives=f"{markers['objectives']} agreed with the sponsor"
        )
    urls = _gettable(_urls("portal.urls_tenant", planted), world)
    found, crashes = _walk(world.acme.employee2, world.acme.host, urls, markers)
    assert not _leaks(found, {"objectives"}), _leaks(found, {"objectives"})
    assert "objectives" in found, "the sponsor cannot find the agreed objectives: the walk is blind"
    assert any("/sponsored/" in url for url in found["objectives"])
    assert not crashes, crashes
