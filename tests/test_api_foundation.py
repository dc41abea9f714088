import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from rest_framework import exceptions

from portal import policy
from portal.api import Conflict, PolicyViewSet, service_errors
from programmes.services.sessions import SessionRefused
from tenants.models import ApiToken
from tests.world import PASSWORD
from tests.world.two_factor import token_payload


def token_for(user, host: str) -> str:
    response = Client(HTTP_HOST=host).post(
        "/api/v1/auth/token/", token_payload(user, PASSWORD), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_token_works_where_its_user_is_a_member(world):
    token = token_for(world.acme.employee, "acme.localhost")
    response = Client(HTTP_HOST="acme.localhost").get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json() == {
        "id": world.acme.employee.pk,
        "email": world.acme.employee.email,
        "first_name": "Eva",
        "last_name": "Acme",
        "language": "en",
        "organisation": "acme",
        "roles": ["employee"],
    }


def test_a_token_does_not_work_in_another_organisation(world):
    token = token_for(world.acme.employee, "acme.localhost")
    response = Client(HTTP_HOST="globex.localhost").get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert "not valid for this organisation" in response.json()["detail"]


def test_the_coach_of_both_organisations_uses_one_token_in_both(world):
    token = token_for(world.coach_both, "acme.localhost")
    for host, slug in (("acme.localhost", "acme"), ("globex.localhost", "globex")):
        response = Client(HTTP_HOST=host).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
        assert response.json()["organisation"] == slug


def test_no_token_is_issued_to_a_non_member(world):
    response = Client(HTTP_HOST="globex.localhost").post(
        "/api/v1/auth/token/", {"email": world.acme.hr.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=world.acme.hr).exists()


@pytest.mark.parametrize("payload", [{}, {"email": "not-an-email", "password": "x"}, {"email": "a@b.nl"}])
def test_a_malformed_token_request_names_what_is_wrong(world, payload):
    response = Client(HTTP_HOST="acme.localhost").post("/api/v1/auth/token/", payload, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) <= {"email", "password"}


def test_a_deactivated_user_token_is_dead(world):
    token = token_for(world.acme.employee2, "acme.localhost")
    world.acme.employee2.is_active = False
    world.acme.employee2.save(update_fields=["is_active"])
    response = Client(HTTP_HOST="acme.localhost").get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401


def test_the_base_viewset_refuses_subclasses_that_bypass_the_policy():
    with pytest.raises(TypeError, match="get_queryset"):

        class Sneaky(PolicyViewSet):  # noqa: F841
            def get_queryset(self):
                return []

    with pytest.raises(TypeError, match="get_object"):

        class Sneakier(PolicyViewSet):  # noqa: F841
            def get_object(self):
                return None


def test_the_openapi_schema_describes_the_api(client_for, world):
    response = client_for(world.acme.hr, "acme.localhost").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]


def test_a_services_refusal_is_answered_the_same_way_by_every_endpoint():
    """portal.api.service_errors, the one translation: 400 naming the field, the ordinary 404 for what is not
    yours to change, 403 or 409 for a refusal that names its code."""

    def answer(error, *refusals):
        try:
            with service_errors(*refusals):
                raise error
        except exceptions.APIException as translated:
            return translated.status_code, translated.detail

    status, detail = answer(ValidationError({"title": "Name it."}))
    assert status == 400 and detail == {"title": ["Name it."]}
    assert answer(ValidationError("Not now."))[1] == {"detail": ["Not now."]}
    assert answer(PermissionDenied("Only the coach."))[0] == answer(Http404())[0] == 404
    assert answer(PermissionDenied("Only the coach."))[1] == policy.NOT_FOUND
    assert answer(SessionRefused("Taken meanwhile.", "slot_taken"), SessionRefused) == (
        409,
        {"detail": "Taken meanwhile.", "code": "slot_taken"},
    )
    assert answer(SessionRefused("Not yours.", "not_allowed"), SessionRefused)[0] == 403
    assert Conflict.status_code == 409


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/exports/enrolments.json", "/api/v1/people.json", "/api/v1/invitations/1.json"]
)
def test_the_api_has_no_format_suffixed_twins_of_its_routes(world, client_for, path):
    # JSON is the only format; a `.json` route would hand its views an argument they do not take (a 500).
    assert client_for(world.acme.hr, world.acme.host).get(path).status_code == 404
