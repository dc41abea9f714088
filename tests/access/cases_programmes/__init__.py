"""Programmes, phases, resources, cohorts, enrolments, the CSV import and the coaching agreement in the
access matrix. The world (tests/world/programmes.py): `employee` is in cohort A with the organisation's
coach as 1:1 coach; `employee2` in cohort B, coached by the coach of both organisations."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access import Case, api, everyone, members, only


def key(name: str):
    return lambda world, org: {"pk": world.org(org).people[name]}


def csv_upload(world, org):
    content = f"email,first name,last name,cohort\nnew.person@{org}.test,New,Person,Cohort A\n".encode()
    return {
        "programme": world.org(org).people["programme"],
        "file": SimpleUploadedFile("people.csv", content, content_type="text/csv"),
    }


def api_csv_upload(world, org):
    return {
        "file": SimpleUploadedFile(
            "people.csv",
            f"email,first name,last name,cohort\nnew.person@{org}.test,New,Person,Cohort A\n".encode(),
            content_type="text/csv",
        )
    }


PROGRAMME = {
    "name": "Next year",
    "description": "",
    "objectives": "",
    "starts_on": "2027-01-04",
    "ends_on": "2027-06-30",
    "status": "draft",
    "default_credits": 6,
}
JSON = "application/json"

CASES = [
    # Programmes, phases and resources
    Case("programme_list", members(200)),
    Case("programme_create", only("hr")),
    Case("programme_create", only("hr", 302), method="post", data=PROGRAMME),
    Case("programme_detail", members(200), kwargs=key("programme")),
    Case("programme_edit", only("hr"), kwargs=key("programme")),
    Case("programme_edit", only("hr", 302), method="post", kwargs=key("programme"), data=PROGRAMME),
    Case("programme_copy", only("hr"), kwargs=key("programme")),
    Case(
        "programme_copy",
        only("hr", 302),
        method="post",
        kwargs=key("programme"),
        data={"name": "Leadership again", "starts_on": "2027-01-04", "include_cohorts": "on"},
    ),
    Case("phase_add", only("hr", 302), method="post", kwargs=key("programme"), data={"name": "Extra", "kind": "other"}),
    Case("phase_edit", only("hr"), kwargs=key("phase")),
    Case("phase_edit", only("hr", 302), method="post", kwargs=key("phase"), data={"name": "Intake", "kind": "intake"}),
    Case("phase_move", only("hr", 302), method="post", kwargs=key("phase"), data={"direction": "down"}),
    Case("phase_delete", only("hr", 302), method="post", kwargs=key("phase")),
    Case("phase_delete", only("hr"), method="post", kwargs=key("phase"), extra={"HTTP_HX_REQUEST": "true"}),
    Case("resource_add", only("hr"), kwargs=key("programme")),
    Case(
        "resource_add",
        only("hr", 302),
        method="post",
        kwargs=key("programme"),
        data={"title": "Reading", "url": "https://example.com/reading"},
    ),
    Case("resource_delete", only("hr", 302), method="post", kwargs=key("resource")),
    Case(
        "api_phase-list",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data=lambda world, org: {"programme": world.org(org).people["programme"], "name": "Extra"},
    ),
    Case("api_phase-detail", api("hr"), kwargs=key("phase")),
    Case("api_phase-detail", api("hr"), method="put", kwargs=key("phase"), content_type=JSON, data={"name": "Intake"}),
    Case("api_phase-detail", api("hr", 204), method="delete", kwargs=key("phase")),
    Case(
        "api_phase-move", api("hr"), method="post", kwargs=key("phase"), content_type=JSON, data={"direction": "down"}
    ),
    Case(
        "api_resource-list",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data=lambda world, org: {
            "programme": world.org(org).people["programme"],
            "title": "Reading",
            "url": "https://example.com/reading",
        },
    ),
    Case("api_resource-detail", api("hr"), kwargs=key("resource")),
    Case("api_resource-detail", api("hr", 204), method="delete", kwargs=key("resource")),
    # The world's resource is a link: there is no file to download for anyone (files: test_programmes.py).
    Case("resource_download", {**everyone(404), "anonymous": 302}, kwargs=key("resource")),
    # Cohorts
    Case("cohort_create", only("hr"), kwargs=key("programme")),
    Case(
        "cohort_create",
        only("hr", 302),
        method="post",
        kwargs=key("programme"),
        data={"name": "Cohort C", "capacity": "10"},
    ),
    Case("cohort_detail", only("hr coach"), kwargs=key("cohort_a")),
    Case("cohort_detail", only("hr coach_both"), kwargs=key("cohort_b")),
    Case("cohort_edit", only("hr"), kwargs=key("cohort_a")),
    Case(
        "cohort_edit",
        only("hr", 302),
        method="post",
        kwargs=key("cohort_a"),
        data={"name": "Cohort A", "capacity": "12"},
    ),
    # Enrolments
    Case("enrolment_list", only("hr coach coach_both")),
    Case("enrolment_list", only("hr coach coach_both"), query="?status=active", extra={"HTTP_HX_REQUEST": "true"}),
    Case("enrolment_add", only("hr")),
    Case(
        "enrolment_add",
        only("hr", 302),
        method="post",
        data=lambda world, org: {
            "cohort": world.org(org).people["cohort_a"],
            "email": f"someone@{org}.test",
            "first_name": "Some",
            "last_name": "One",
        },
    ),
    Case("enrolment_detail", only("hr coach employee"), kwargs=key("enrolment")),
    Case("enrolment_detail", only("hr coach_both"), kwargs=key("enrolment2")),
    Case("enrolment_edit", only("hr"), kwargs=key("enrolment")),
    Case(
        "enrolment_edit",
        only("hr", 302),
        method="post",
        kwargs=key("enrolment"),
        data=lambda world, org: {
            "cohort": world.org(org).people["cohort_a"],
            "credit_allowance": "8",
            "department": "Finance",
            "job_title": "Analyst",
        },
    ),
    Case("enrolment_status", only("hr", 302), method="post", kwargs=key("enrolment"), data={"status": "completed"}),
    Case("enrolment_credits", only("hr", 302), method="post", kwargs=key("enrolment"), data={"credit_allowance": "7"}),
    Case(
        "enrolment_credits",
        only("hr"),
        method="post",
        kwargs=key("enrolment"),
        data={"credit_allowance": "7"},
        extra={"HTTP_HX_REQUEST": "true"},
    ),
    Case("enrolment_import", only("hr")),
    Case("enrolment_import", only("hr", 302), method="post", data=csv_upload),
    Case("enrolment_import_template", only("hr")),
    Case("enrolment_import_detail", only("hr"), kwargs=key("import_job")),
    Case("enrolment_import_detail", only("hr"), kwargs=key("import_job"), extra={"HTTP_HX_REQUEST": "true"}),
    Case("enrolment_import_start", only("hr", 204), method="post", kwargs=key("import_job")),
    # The coaching agreement
    Case("agreement", members(200)),
    Case("agreement_accept", only("employee", 302), method="post", data={"version": "0"}),
    Case("agreement_edit", only("hr")),
    Case("agreement_edit", only("hr", 302), method="post", data={"body": "Our own agreement text."}),
    Case("api_agreement", api("employee coach hr coach_both")),
    Case("api_agreement_accept", api("employee", 201), method="post", content_type=JSON, data={"version": 0}),
    Case("api_agreement_versions", api("hr")),
    Case(
        "api_agreement_versions",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data={"body": "Our own agreement text, through the API."},
    ),
    # API
    Case("api_programme-list", api("employee coach hr coach_both")),
    Case("api_programme-list", api("hr", 201), method="post", content_type=JSON, data=PROGRAMME),
    Case("api_programme-detail", api("employee coach hr coach_both"), kwargs=key("programme")),
    Case("api_programme-detail", api("hr"), method="put", kwargs=key("programme"), content_type=JSON, data=PROGRAMME),
    Case(
        "api_programme-copy",
        api("hr", 201),
        method="post",
        kwargs=key("programme"),
        content_type=JSON,
        data={"name": "Leadership again", "starts_on": "2027-01-04"},
    ),
    Case("api_cohort-list", api("employee coach hr coach_both")),
    Case(
        "api_cohort-list",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data=lambda world, org: {"programme": world.org(org).people["programme"], "name": "Cohort C"},
    ),
    Case("api_cohort-detail", api("employee coach hr"), kwargs=key("cohort_a")),
    Case(
        "api_cohort-detail",
        api("hr"),
        method="put",
        kwargs=key("cohort_a"),
        content_type=JSON,
        data={"name": "Cohort A", "capacity": 14},
    ),
    Case("api_enrolment-list", api("employee coach hr coach_both")),
    # Someone new is invited (202) and enrolled once they accept.
    Case(
        "api_enrolment-list",
        api("hr", 202),
        method="post",
        content_type=JSON,
        data=lambda world, org: {
            "cohort": world.org(org).people["cohort_a"],
            "email": f"api.person@{org}.test",
            "first_name": "Api",
            "last_name": "Person",
        },
    ),
    Case("api_enrolment-detail", api("employee coach hr"), kwargs=key("enrolment")),
    Case(
        "api_enrolment-detail",
        api("hr"),
        method="patch",
        kwargs=key("enrolment"),
        content_type=JSON,
        data={"credit_allowance": 9},
    ),
    Case(
        "api_enrolment-status",
        api("hr"),
        method="post",
        kwargs=key("enrolment"),
        content_type=JSON,
        data={"status": "completed"},
    ),
    Case("api_enrolment-import", api("hr"), method="post", data=api_csv_upload),
]
