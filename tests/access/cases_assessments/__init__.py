"""Instruments, assignments and results in the access matrix, on the assessments part of the test world
(tests/world/assessments.py: keys in `org.people` start with `a_`)."""

from __future__ import annotations

from tests.access import Case, api, only


def pk(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


def person(attribute: str):
    return lambda world, org: {"user_pk": getattr(world.org(org), attribute).pk}


EDITORS = "coach hr coach_both"
JSON = "application/json"
QUESTION_DATA = {
    "new-kind": "likert5",
    "new-text_en": "I plan my week.",
    "new-text_nl": "Ik plan mijn week.",
    "new-required": "on",
}
BAND_DATA = {
    "lower": "50",
    "upper": "100",
    "label_en": "High",
    "label_nl": "Hoog",
    "text_en": "Keep going.",
    "text_nl": "Ga zo door.",
}

CASES = [
    # Instruments: HR and coaches; HR may change HR's instrument, a coach only their own.
    Case("instrument_list", only(EDITORS)),
    Case("instrument_create", only(EDITORS)),
    Case(
        "instrument_create",
        only(EDITORS, 302),
        method="post",
        data={"title_en": "Team climate", "title_nl": "Teamklimaat"},
    ),
    Case("instrument_detail", only(EDITORS), kwargs=pk("a_custom")),
    Case("instrument_detail", only(EDITORS), kwargs=pk("a_builtin")),
    Case("instrument_edit", only(EDITORS), kwargs=pk("a_custom")),
    Case(
        "instrument_edit",
        {**only(EDITORS), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data={"title_en": "Renamed", "title_nl": "Hernoemd"},
    ),
    Case("instrument_copy", only(EDITORS, 302), method="post", kwargs=pk("a_builtin")),
    Case("instrument_remove", only(EDITORS, 302), method="post", kwargs=pk("a_custom")),
    Case(
        "instrument_dimension_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data={"name_en": "Focus", "name_nl": "Focus"},
    ),
    Case("instrument_dimension_edit", only(EDITORS), kwargs=pk("a_dimension")),
    Case("instrument_dimension_delete", only(EDITORS, 302), method="post", kwargs=pk("a_dimension")),
    Case(
        "instrument_band_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_dimension"),
        data=BAND_DATA,
    ),
    Case("instrument_band_edit", only(EDITORS), kwargs=pk("a_band")),
    Case("instrument_band_delete", only(EDITORS, 302), method="post", kwargs=pk("a_band")),
    Case(
        "instrument_question_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data=QUESTION_DATA,
    ),
    Case("instrument_question_edit", only(EDITORS), kwargs=pk("a_question")),
    Case(
        "instrument_question_move", only(EDITORS, 302), method="post", kwargs=pk("a_question"), data={"direction": "up"}
    ),
    Case("instrument_question_delete", only(EDITORS, 302), method="post", kwargs=pk("a_question")),
    # The employee's own assessments
    Case("assignment_list", only("employee")),
    Case("assignment_answer", only("employee"), kwargs=pk("a_final")),
    Case("assignment_answer", only("employee", 302), method="post", kwargs=pk("a_final"), query="?step=1"),
    Case(
        "assignment_autosave",
        only("employee"),
        method="post",
        kwargs=pk("a_final"),
        data=lambda world, org: {f"q_{world.org(org).people['a_final_question']}": "3"},
    ),
    Case("assignment_submit", only("employee", 302), method="post", kwargs=pk("a_final")),
    Case("result_mine", only("employee")),
    # Results: the employee and their coach (employee2's coach is the coach of both)
    Case("assignment_result", only("employee coach"), kwargs=pk("a_initial")),
    Case("assignment_result", only("coach_both"), kwargs=pk("a_initial2")),
    Case("assignment_release", only("coach_both", 302), method="post", kwargs=pk("a_initial2")),
    Case("assignment_coaching", only("coach coach_both")),
    Case("result_coachee", only("coach"), kwargs=person("employee")),
    Case("result_coachee", only("coach_both"), kwargs=person("employee2")),
    # HR: scheduling, completion and group figures only
    Case("assignment_overview", only("hr")),
    Case("result_aggregate", only("hr"), kwargs=pk("a_scheduled")),
    Case("assignment_schedule", only("hr")),
    Case("assignment_schedule", only("hr"), method="post", data={"moment": "midpoint"}),
    Case("assignment_schedule_edit", only("hr"), kwargs=pk("a_scheduled")),
    Case("assignment_schedule_cancel", only("hr", 302), method="post", kwargs=pk("a_scheduled")),
    # API: every member's own list; the rest only on their own assessments
    Case("assignment-list", api("employee coach hr coach_both")),
    Case("assignment-detail", api("employee"), kwargs=pk("a_final")),
    Case("assignment-detail", api("employee"), kwargs=pk("a_initial")),
    Case(
        "assignment-answers",
        api("employee"),
        method="put",
        kwargs=pk("a_final"),
        content_type=JSON,
        data=lambda world, org: {"answers": [{"question": world.org(org).people["a_final_question"], "value": 3}]},
    ),
    Case("assignment-submit", api("employee", 400), method="post", kwargs=pk("a_final")),
    Case("assignment-result", api("employee"), kwargs=pk("a_initial")),
    # API: HR schedules; a coach reads and releases their coachees' results
    Case("scheduled-assessment-list", api("hr")),
    Case(
        "scheduled-assessment-list",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data=lambda world, org: {
            "phase": world.org(org).people["phase"],
            "version": world.org(org).people["a_custom"],
            "moment": "midpoint",
            "opens_on": "2030-01-01",
            "due_on": "2030-01-15",
        },
    ),
    Case("scheduled-assessment-detail", api("hr"), kwargs=pk("a_scheduled")),
    Case(
        "scheduled-assessment-detail",
        api("hr"),
        method="put",
        kwargs=pk("a_scheduled"),
        content_type=JSON,
        data={"opens_on": "2030-01-01", "due_on": "2030-01-15"},
    ),
    Case("scheduled-assessment-detail", api("hr", 400), method="delete", kwargs=pk("a_scheduled")),
    Case("scheduled-assessment-results", api("hr"), kwargs=pk("a_scheduled")),
    Case("coachee-assignment-list", api("coach coach_both")),
    Case("coachee-assignment-detail", api("coach"), kwargs=pk("a_initial")),
    Case("coachee-assignment-result", api("coach_both"), kwargs=pk("a_initial2")),
    Case("coachee-assignment-release", api("coach_both"), method="post", kwargs=pk("a_initial2")),
    Case("instrument-list", api(EDITORS)),
    Case("instrument-detail", api(EDITORS), kwargs=pk("a_builtin")),
    # The builder's writes: HR may change HR's instrument; a coach is refused (400) on it; built-ins stay
    Case(
        "instrument-list",
        api(EDITORS, 201),
        method="post",
        content_type=JSON,
        data={"title_en": "Team climate", "title_nl": "Teamklimaat"},
    ),
    Case(
        "instrument-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"title_en": "Renamed", "title_nl": "Hernoemd"},
    ),
    Case("instrument-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_custom")),
    Case("instrument-copy", api(EDITORS, 201), method="post", kwargs=pk("a_builtin")),
    Case(
        "instrument-dimensions",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"name_en": "Focus", "name_nl": "Focus"},
    ),
    Case(
        "instrument-questions",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"kind": "likert5", "text_en": "I plan my week.", "text_nl": "Ik plan mijn week."},
    ),
    Case(
        "instrument-dimension-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_dimension"),
        content_type=JSON,
        data={"name_en": "Energy", "name_nl": "Energie"},
    ),
    Case("instrument-dimension-detail", api(EDITORS, 400), method="delete", kwargs=pk("a_dimension")),
    Case(
        "instrument-dimension-bands",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_dimension"),
        content_type=JSON,
        data={"lower": 50, "upper": 100, "label_en": "High", "label_nl": "Hoog", "text_en": "Go.", "text_nl": "Ga."},
    ),
    Case(
        "instrument-band-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_band"),
        content_type=JSON,
        data={"lower": 0, "upper": 40, "label_en": "Low", "label_nl": "Laag", "text_en": "Rest.", "text_nl": "Rust."},
    ),
    Case("instrument-band-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_band")),
    Case(
        "instrument-question-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_question"),
        content_type=JSON,
        data={"kind": "likert5", "text_en": "I rest.", "text_nl": "Ik rust."},
    ),
    Case("instrument-question-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_question")),
    Case(
        "instrument-question-move",
        {**api(EDITORS, 400), "hr": 200},
        method="post",
        kwargs=pk("a_question"),
        content_type=JSON,
        data={"direction": "up"},
    ),
]
