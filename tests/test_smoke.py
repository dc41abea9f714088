def test_it_serves_healthz_on_public_and_organisation_hosts(client_for, world):
    for host in ("localhost", "acme.localhost", "globex.localhost"):
        response = client_for(None, host).get("/healthz")
        assert response.status_code == 200, host
        assert response.json() == {"status": "ok"}
