"""The three-way agreement of an enrolment in the access matrix. The world (tests/world/agreement.py):
`employee`'s enrolment has objectives accepted by the employee and their coach (the organisation's
coach); the sponsor is HR (the world's manager is HR, who is no employee here), not yet accepted. The
coach of both coaches someone else. Sponsoring managers are tested in tests/programmes/test_enrolment_agreement.py."""

from tests.access import Case, api, only
from tests.access.cases_programmes import JSON, key

OBJECTIVES = {"objectives": "Plan the week with the team and hold to it."}

CASES = [
    Case("enrolment_agreement", only("employee coach hr"), kwargs=key("enrolment")),
    Case(
        "enrolment_agreement_objectives",
        only("employee coach", 302),
        method="post",
        kwargs=key("enrolment"),
        data=OBJECTIVES,
    ),
    # A refusal (the employee and the coach accepted already) is said on the page it redirects to.
    Case(
        "enrolment_agreement_accept",
        only("employee coach hr", 302),
        method="post",
        kwargs=key("enrolment"),
        data={"version": "1"},
    ),
    Case("enrolment_agreement_pdf", only("employee coach hr"), kwargs=key("enrolment")),
    Case("sponsored", only("employee")),
    Case("api_enrolment_agreement", api("employee coach hr"), kwargs=key("enrolment")),
    Case(
        "api_enrolment_agreement_objectives",
        {**api("employee coach", 201), "hr": 400},
        method="post",
        kwargs=key("enrolment"),
        content_type=JSON,
        data=OBJECTIVES,
    ),
    Case(
        "api_enrolment_agreement_accept",
        {**api("hr", 201), "employee": 400, "coach": 400},
        method="post",
        kwargs=key("enrolment"),
        content_type=JSON,
        data={"version": 1},
    ),
    Case("api_sponsored", api("employee")),
]
