import re


def test_pages_allow_only_our_own_scripts(client_for, world):
    response = client_for(world.acme.hr, "acme.localhost").get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "script-src 'self' 'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_docs_load_their_start_up_script_from_a_url(client_for, world):
    client = client_for(world.acme.employee, "acme.localhost")
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # no inline script: the CSP would block it
    assert client.get("/api/v1/docs/?script=").status_code == 200


def test_the_api_docs_carry_no_inline_style_or_script(client_for, world):
    html = client_for(world.acme.hr, "acme.localhost").get("/api/v1/docs/").content.decode()
    assert "<style" not in html  # the Content-Security-Policy allows only our own style sheets
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts), scripts
    assert "/static/css/swagger_ui.css" in html  # Swagger UI's page rules, as a file
