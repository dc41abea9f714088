"""An employee makes a read-only API token on the "API tokens" page, uses it, and revokes it."""

from __future__ import annotations

import http.client
import json

import pytest
from playwright.sync_api import expect

from tenants.models import ApiToken, PlatformEvent
from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def call(port: int, host: str, method: str, path: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps({"name": "x"}) if method != "GET" else None
        headers = {"Host": host, "Authorization": f"Token {token}", "Content-Type": "application/json"}
        connection.request(method, path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_an_employee_makes_uses_and_revokes_a_read_only_token(
    page, page_for, sign_in, screenshot, e2e_server, e2e_world, committed
):
    acme = e2e_world.acme
    employee = acme.employee2

    def forget():
        ApiToken.objects.filter(user=employee).delete()
        PlatformEvent.objects.filter(actor=employee, action__startswith="api_token.").delete()

    committed.cleanup(forget)
    sign_in(page, employee.email, PASSWORD, acme)
    page.goto(page_for(acme, "/account/tokens/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()

    page.get_by_label("Name").fill("Spreadsheet")
    page.get_by_label("Days until it expires").fill("7")
    page.get_by_label("Read-only").check()
    page.get_by_role("button", name="Make token").click()
    shown = page.get_by_label("Token", exact=True)
    expect(shown).to_be_visible()
    raw = shown.input_value()
    assert raw.startswith("pt_")
    screenshot(page, "api-token-shown-once")

    host = f"{acme.organisation.slug}.localhost"
    assert call(e2e_server.port, host, "GET", "/api/v1/me/", raw) == 200
    assert call(e2e_server.port, host, "POST", "/api/v1/auth/tokens/", raw) == 403

    page.goto(page_for(acme, "/account/tokens/"))
    row = page.get_by_role("row", name="Spreadsheet")
    expect(row).to_contain_text("Read-only")
    expect(row).to_contain_text(raw.split("_")[0] + "_" + raw.split("_")[1])
    assert raw not in page.content()
    row.get_by_role("button", name="Revoke “Spreadsheet”").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    assert call(e2e_server.port, host, "GET", "/api/v1/me/", raw) == 401
