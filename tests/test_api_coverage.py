"""Every capability a page has, the API has: each page URL pattern (organisation and public hosts) names
its API counterpart, or is listed here as page-only with the reason. A new page without either fails,
and so does an entry naming a page or an API endpoint that no longer exists.

This module is the one place the list lives; docs/API.md repeats the page-only reasons for readers. Each
counterpart is published in the committed schema of its host (docs/api/openapi.yaml for organisation hosts,
docs/api/openapi-public.yaml for the public host).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.urls import get_resolver

from tests.test_url_coverage import names

T, P = "tenant", "public"
SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "api"

SIGN_IN = "Signing in and out in a browser; API clients use a token (POST /api/v1/auth/token/)."
TWO_FACTOR = (
    "One's own second factor (setting it up, new recovery codes, turning it off) is confirmed with a code in a "
    "signed-in browser; API clients send the code with POST /api/v1/auth/token/."
)
PDF = "A PDF document for people to read or print; its figures are in the API as JSON"

# (host, page name) -> (host, API URL name): the endpoint that does what the page does.
COUNTERPARTS: dict[tuple[str, str], tuple[str, str]] = {
    # people and settings
    (T, "people"): (T, "api_membership-list"),
    (T, "membership_revoke"): (T, "api_membership-revoke"),
    (T, "invitation_resend"): (T, "api_invitation-resend"),
    (T, "invitation_cancel"): (T, "api_invitation-cancel"),
    (T, "organisation_settings"): (T, "api_organisation"),
    # programmes, cohorts, enrolments, the agreement
    (T, "programme_list"): (T, "api_programme-list"),
    (T, "programme_create"): (T, "api_programme-list"),
    (T, "programme_detail"): (T, "api_programme-detail"),
    (T, "programme_edit"): (T, "api_programme-detail"),
    (T, "programme_copy"): (T, "api_programme-copy"),
    (T, "phase_add"): (T, "api_phase-list"),
    (T, "phase_edit"): (T, "api_phase-detail"),
    (T, "phase_move"): (T, "api_phase-move"),
    (T, "phase_delete"): (T, "api_phase-detail"),
    (T, "resource_add"): (T, "api_resource-list"),
    (T, "resource_delete"): (T, "api_resource-detail"),
    (T, "cohort_create"): (T, "api_cohort-list"),
    (T, "cohort_detail"): (T, "api_cohort-detail"),
    (T, "cohort_edit"): (T, "api_cohort-detail"),
    (T, "enrolment_list"): (T, "api_enrolment-list"),
    (T, "enrolment_add"): (T, "api_enrolment-list"),
    (T, "enrolment_import"): (T, "api_enrolment-import"),
    (T, "enrolment_import_detail"): (T, "api_enrolment-import"),
    (T, "enrolment_import_start"): (T, "api_enrolment-import"),
    (T, "enrolment_detail"): (T, "api_enrolment-detail"),
    (T, "enrolment_edit"): (T, "api_enrolment-detail"),
    (T, "enrolment_status"): (T, "api_enrolment-status"),
    (T, "enrolment_credits"): (T, "api_enrolment-detail"),
    (T, "agreement"): (T, "api_agreement"),
    (T, "agreement_accept"): (T, "api_agreement_accept"),
    (T, "agreement_edit"): (T, "api_agreement_versions"),
    (T, "enrolment_agreement"): (T, "api_enrolment_agreement"),
    (T, "enrolment_agreement_objectives"): (T, "api_enrolment_agreement_objectives"),
    (T, "enrolment_agreement_accept"): (T, "api_enrolment_agreement_accept"),
    (T, "sponsored"): (T, "api_sponsored"),
    # sessions, booking, credits, urgent requests, calendar feeds
    (T, "sessions"): (T, "api_session-list"),
    (T, "session_create"): (T, "api_session-list"),
    (T, "credits"): (T, "api_credit-list"),
    (T, "session_detail"): (T, "api_session-detail"),
    (T, "session_cancel"): (T, "api_session-cancel"),
    (T, "session_reschedule"): (T, "api_session-move"),
    (T, "session_attendance"): (T, "api_session-attendance"),
    (T, "booking"): (T, "api_availability-list"),
    (T, "booking_book"): (T, "api_availability-book"),
    (T, "urgent_request"): (T, "api_urgent_request-list"),
    (T, "urgent_requests"): (T, "api_urgent_request-list"),
    (T, "urgent_acknowledge"): (T, "api_urgent_request-acknowledge"),
    (T, "calendar"): (T, "api_calendar_feed-list"),
    (T, "calendar_feed_renew"): (T, "api_calendar_feed-list"),
    (T, "calendar_feed_revoke"): (T, "api_calendar_feed-detail"),
    (T, "booking_series"): (T, "api_availability-book-series"),
    # personal API tokens, webhooks, two-factor resets by HR
    (T, "api_tokens_page"): (T, "api_tokens"),
    (T, "api_token_revoke"): (T, "api_token_detail"),
    (T, "webhooks"): (T, "api_webhook_endpoint-list"),
    (T, "webhook_endpoint"): (T, "api_webhook_endpoint-detail"),
    (T, "webhook_endpoint_rotate"): (T, "api_webhook_endpoint-rotate-secret"),
    (T, "webhook_endpoint_delete"): (T, "api_webhook_endpoint-detail"),
    (T, "webhook_delivery_resend"): (T, "api_webhook_delivery-resend"),
    (T, "membership_two_factor_reset"): (T, "api_membership-two-factor-reset"),
    # coach profiles, the pool, choosing a coach
    (P, "coach_profile"): (P, "api_coach_profile"),
    (P, "coach_profile_photo"): (P, "api_coach_profile"),
    (T, "pool"): (T, "api_pool-list"),
    (T, "pool_invite"): (T, "api_pool-list"),
    (T, "pool_answer"): (T, "api_pool-answer"),
    (T, "pool_coach_photo"): (T, "api_choice-detail"),
    (T, "programme_matching"): (T, "api_programme_matching"),
    (T, "my_coach"): (T, "api_choice-detail"),
    (T, "choose"): (T, "api_choice-intake"),
    (T, "rematch"): (T, "api_choice-rematch"),
    (T, "choose_coach"): (T, "api_suggestion-choose"),
    (T, "chemistry_book"): (T, "api_suggestion-chemistry"),
    # single sign-on
    (T, "sso_settings"): (T, "api_identity_provider-list"),
    (T, "sso_provider_add"): (T, "api_identity_provider-list"),
    (T, "sso_provider_edit"): (T, "api_identity_provider-detail"),
    (T, "sso_provider_delete"): (T, "api_identity_provider-detail"),
    # the journal
    (T, "reflections"): (T, "reflection-list"),
    (T, "reflection_detail"): (T, "reflection-detail"),
    (T, "reflection_edit"): (T, "reflection-detail"),
    (T, "reflection_sharing"): (T, "reflection-detail"),
    (T, "reflection_delete"): (T, "reflection-detail"),
    (T, "reflection_reply"): (T, "reflection-replies"),
    (T, "goals"): (T, "goal-list"),
    (T, "goal_detail"): (T, "goal-detail"),
    (T, "goal_edit"): (T, "goal-detail"),
    (T, "goal_sharing"): (T, "goal-detail"),
    (T, "goal_delete"): (T, "goal-detail"),
    (T, "goal_option_add"): (T, "goal-options"),
    (T, "goal_option_delete"): (T, "goal-option"),
    (T, "goal_action_delete"): (T, "action-item-detail"),
    (T, "goal_decide"): (T, "goal-decision"),
    (T, "goal_action_add"): (T, "goal-actions"),
    (T, "goal_action_done"): (T, "action-item-detail"),
    (T, "goal_check_in"): (T, "goal-check-ins"),
    (T, "goal_comment"): (T, "goal-comments"),
    (T, "session_follow_up"): (T, "session-feedback-list"),
    (T, "session_rating"): (T, "session-feedback-list"),
    (T, "session_coach_feedback"): (T, "coach-feedback-list"),
    (T, "session_note"): (T, "session-note-list"),
    (T, "session_note_delete"): (T, "session-note-detail"),
    (T, "session_summary"): (T, "session-summary-list"),
    (T, "journal_engagement"): (T, "api_engagement"),
    (T, "access_log"): (T, "api_access_log"),
    # instruments and assessments
    (T, "instrument_list"): (T, "instrument-list"),
    (T, "instrument_detail"): (T, "instrument-detail"),
    (T, "instrument_create"): (T, "instrument-list"),
    (T, "instrument_edit"): (T, "instrument-detail"),
    (T, "instrument_copy"): (T, "instrument-copy"),
    (T, "instrument_remove"): (T, "instrument-detail"),
    (T, "instrument_dimension_add"): (T, "instrument-dimensions"),
    (T, "instrument_dimension_edit"): (T, "instrument-dimension-detail"),
    (T, "instrument_dimension_delete"): (T, "instrument-dimension-detail"),
    (T, "instrument_band_add"): (T, "instrument-dimension-bands"),
    (T, "instrument_band_edit"): (T, "instrument-band-detail"),
    (T, "instrument_band_delete"): (T, "instrument-band-detail"),
    (T, "instrument_question_add"): (T, "instrument-questions"),
    (T, "instrument_question_edit"): (T, "instrument-question-detail"),
    (T, "instrument_question_move"): (T, "instrument-question-move"),
    (T, "instrument_question_delete"): (T, "instrument-question-detail"),
    (T, "assignment_list"): (T, "assignment-list"),
    (T, "assignment_answer"): (T, "assignment-answers"),
    (T, "assignment_autosave"): (T, "assignment-answers"),
    (T, "assignment_submit"): (T, "assignment-submit"),
    (T, "assignment_result"): (T, "assignment-result"),
    (T, "result_mine"): (T, "assignment-result"),
    (T, "assignment_overview"): (T, "scheduled-assessment-list"),
    (T, "result_aggregate"): (T, "scheduled-assessment-results"),
    (T, "assignment_schedule"): (T, "scheduled-assessment-list"),
    (T, "assignment_schedule_edit"): (T, "scheduled-assessment-detail"),
    (T, "assignment_schedule_cancel"): (T, "scheduled-assessment-detail"),
    (T, "assignment_release"): (T, "coachee-assignment-release"),
    (T, "result_coachee"): (T, "coachee-assignment-result"),
    (T, "pulses"): (T, "pulse-list"),
    (T, "pulse_sharing"): (T, "pulse-sharing"),
    (T, "coachee_page"): (T, "api_coachee_page"),
    (T, "assignment_coaching"): (T, "coachee-assignment-list"),
    # the public host: a person's own views across organisations. A coach's slots and offers, and a
    # person's calendar feed, live outside the organisations: the API serves them on any of the person's
    # organisation hosts.
    (P, "coach_workspace"): (P, "api_coach_workspace"),
    (P, "coach_hours_csv"): (P, "api_coach_workspace"),
    (P, "coach_urgent_acknowledge"): (P, "api_coach_urgent_acknowledge"),
    (P, "home"): (P, "api_my_organisation-list"),
    (P, "my_invitation_accept"): (P, "api_my_invitation-accept"),
    (P, "my_invitation_decline"): (P, "api_my_invitation-decline"),
    (P, "coach_availability"): (T, "api_availability-list"),
    (P, "coach_slot_withdraw"): (T, "api_availability-detail"),
    (P, "coach_slot_offer"): (T, "api_availability-detail"),
    (P, "coach_slots_offer"): (T, "api_availability-offer"),
    (P, "coach_offer_default"): (T, "api_availability-offer-default"),
    (P, "coach_own_calendar"): (T, "api_availability-own-calendar"),
    (P, "coach_own_calendar_remove"): (T, "api_availability-own-calendar"),
    (P, "calendar"): (T, "api_calendar_feed-list"),
    (P, "calendar_feed_renew"): (T, "api_calendar_feed-list"),
    (P, "calendar_feed_revoke"): (T, "api_calendar_feed-detail"),
    # reports and data rights
    (T, "reports_dashboard"): (T, "api_dashboard"),
    (T, "reports_csv"): (T, "api_report_export-detail"),
    (T, "reports_audit"): (T, "api_audit-list"),
    (T, "reports_erasure"): (T, "api_erasure_request-list"),
    (T, "reports_erasure_cancel"): (T, "api_erasure_request-cancel"),
    (T, "coach_reports"): (T, "api_coach_hours"),
    (T, "my_data"): (T, "api_me_export"),
    (T, "my_erasure_request"): (T, "api_my_erasure"),
    (T, "my_erasure_cancel"): (T, "api_my_erasure"),
    # stakeholder feedback
    (T, "stakeholder_rounds"): (T, "api_stakeholder-round-list"),
    (T, "stakeholder_round_create"): (T, "api_stakeholder-round-list"),
    (T, "stakeholder_round"): (T, "api_stakeholder-round-detail"),
    (T, "stakeholder_invite"): (T, "api_stakeholder-round-raters"),
    (T, "stakeholder_consent"): (T, "api_stakeholder-round-consent"),
    (T, "stakeholder_results"): (T, "api_stakeholder-round-results"),
    (T, "stakeholder_release"): (T, "api_stakeholder-round-release"),
    (T, "stakeholder_overview"): (T, "api_stakeholder_completion"),
}

# (host, page name) -> why it has no API counterpart, and needs none.
PAGE_ONLY: dict[tuple[str, str], str] = {
    **{
        (host, name): SIGN_IN
        for host in (T, P)
        for name in (
            "login",
            "logout",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "login_code",
        )
    },
    **{
        (host, name): TWO_FACTOR
        for host in (T, P)
        for name in ("two_factor", "two_factor_setup", "two_factor_recovery_codes", "two_factor_disable")
    },
    (T, "healthz"): "A liveness probe for load balancers, not a capability.",
    (P, "healthz"): "A liveness probe for load balancers, not a capability.",
    (T, "set_language"): "The browser's language choice (a cookie); API clients send Accept-Language.",
    (P, "set_language"): "The browser's language choice (a cookie); API clients send Accept-Language.",
    (T, "home"): "The home page gathers panels of the lists the API serves one by one (and GET /api/v1/me/).",
    **dict.fromkeys(
        ((T, "sso_start"), (T, "sso_oidc_callback"), (P, "sso_route")),
        "Signing in through an organisation's identity provider happens in a browser; API clients "
        "use a token (POST /api/v1/auth/token/).",
    ),
    (T, "sso_domain_withdraw"): (
        "Email domain claims are checked by platform staff by hand before they count; HR makes and withdraws them "
        "on the sign-in settings page."
    ),
    (T, "handoff"): "Carries a browser's sign-in from the public host to an organisation host; tokens need none.",
    (T, "handoff_begin"): "Carries a browser's sign-in from the public host to an organisation host; tokens need none.",
    (P, "organisation_open"): "Carries a browser's sign-in to an organisation host; API clients call that host.",
    (T, "invitation_accept"): (
        "The invited person sets their own password through the emailed link; nobody else may do it for them."
    ),
    (
        T,
        "organisation_logo",
    ): "The logo image itself; the API gives its address (logo_url of GET /api/v1/organisation/).",
    (
        T,
        "resource_download",
    ): "A resource's file itself; the API gives its address (file_url of a programme's resources).",
    (
        T,
        "enrolment_import_template",
    ): "A sample CSV file for people filling one in by hand; the API documents the columns.",
    (T, "session_ics"): "A calendar file for calendar programs; the API serves the session itself.",
    (T, "session_join"): "A redirect to the video call; the API gives the link (video_url of the session).",
    (T, "reports_pdf"): f"{PDF} (GET /api/v1/reports/dashboard/).",
    (T, "reports_job_create"): f"{PDF} (prepared in the background).",
    (T, "reports_job"): f"{PDF} (the progress of one being prepared).",
    (T, "reports_job_download"): f"{PDF} (prepared in the background).",
    (T, "coach_hours_pdf"): f"{PDF}.",
    (T, "enrolment_agreement_pdf"): f"{PDF} (GET /api/v1/enrolments/{{id}}/agreement/).",
    (T, "coachee_progress_pdf"): f"{PDF} (a coachee's results: GET /api/v1/assignments/{{id}}/result/).",
    (T, "my_progress_pdf"): f"{PDF} (GET /api/v1/me/export/ holds the same data).",
    (T, "rater_answer"): (
        "A rater answers through the personal link emailed to them, with no account and so no API token; the "
        "link is the only credential and is meant for a person's browser."
    ),
    (T, "stakeholder_self"): (
        "The employee's self-rating is the raters' questionnaire filled in on its page; its figures are in "
        "GET /api/v1/stakeholder-rounds/{id}/results/."
    ),
    (P, "calendar_feed"): "The calendar feed is itself a machine-readable document (iCalendar) for calendar programs.",
    (T, "sso_saml_metadata"): (
        "The service provider's SAML metadata is itself a machine-readable document (XML) for the organisation's "
        "identity provider."
    ),
    (T, "sso_saml_acs"): "Where the identity provider posts a browser's SAML sign-in; API clients use a token.",
    **{
        (T, name): "The SCIM 2.0 service (RFC 7644) is itself an API, for the organisation's HR system, with its own "
        "tokens (GET/POST /api/v1/scim-tokens/)."
        for name in (
            "scim_service_provider_config",
            "scim_resource_types",
            "scim_resource_type",
            "scim_schemas",
            "scim_schema",
            "scim_users",
            "scim_users_search",
            "scim_search",
            "scim_user",
            "scim_groups",
            "scim_groups_search",
            "scim_group",
            "scim_not_found",
        )
    },
    **{
        (P, name): "Platform staff's administration of the platform; the API serves organisations, on their hosts."
        for name in (
            "platform_organisations",
            "platform_offboarding",
            "platform_archive_download",
            "platform_offboard",
            "platform_offboard_export",
            "platform_offboard_delete",
            "platform_audit",
            "platform_two_factor_reset",
            "platform_domains",
            "platform_domain_approve",
            "platform_domain_remove",
        )
    },
}


def _patterns() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    pages, endpoints = set(), set()
    for host, urlconf in ((P, "portal.urls_public"), (T, "portal.urls_tenant")):
        for name, route in names(get_resolver(urlconf)):
            (endpoints if route.startswith("api/") else pages).add((host, name))
    return pages, endpoints


def test_every_page_has_an_api_counterpart_or_a_reason():
    pages, _endpoints = _patterns()
    missing = sorted(page for page in pages if page not in COUNTERPARTS and page not in PAGE_ONLY)
    assert not missing, "Pages with no API counterpart and no reason to be page-only:\n" + "\n".join(
        f"{host}: {name}" for host, name in missing
    )


def test_the_lists_name_only_pages_and_endpoints_that_exist():
    pages, endpoints = _patterns()
    listed = [*COUNTERPARTS, *PAGE_ONLY]
    assert sorted(set(listed) - pages) == [], "listed pages that do not exist"
    assert len(listed) == len(set(listed)), "a page is listed twice"
    assert sorted(set(COUNTERPARTS.values()) - endpoints) == [], "counterparts that do not exist"
    assert all(reason.strip() for reason in PAGE_ONLY.values())


def _shape(route: str) -> str:
    """A URL pattern or a schema path with its parameters blanked: "api/v1/my/invitations/{}/accept/"."""
    route = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>|\{[^}]+\}", "{}", route)
    return "/" + route.replace("^", "").replace("$", "").lstrip("/")


def test_every_counterpart_is_in_the_published_schema_of_its_host():
    published = {
        host: {_shape(path) for path in yaml.safe_load((SCHEMAS / name).read_text())["paths"]}
        for host, name in ((T, "openapi.yaml"), (P, "openapi-public.yaml"))
    }
    routes = {
        (host, name): route
        for host, urlconf in ((P, "portal.urls_public"), (T, "portal.urls_tenant"))
        for name, route in names(get_resolver(urlconf))
    }
    unpublished = sorted(
        f"{host}: {name} ({routes[(host, name)]})"
        for host, name in set(COUNTERPARTS.values())
        if _shape(routes[(host, name)]) not in published[host]
    )
    assert unpublished == [], "API counterparts missing from docs/api/openapi*.yaml:\n" + "\n".join(unpublished)
