"""SAML sign-in on an organisation's host. The service provider's metadata is a public document (no secret
in it), served to anyone on the host, for a provider switched off too. The ACS takes only an answer to a
sign-in this browser started: without one everybody gets the refusal page (403)."""

from tests.access import Case, everyone


def _provider(world, org):
    return {"pk": world.org(org).people["saml_provider"]}


CASES = [
    Case("sso_saml_metadata", everyone(200), kwargs=_provider, other_org=200),
    Case("sso_saml_acs", everyone(403), method="post", kwargs=_provider, data={}, other_org=403),
    Case(
        "sso_saml_acs",
        everyone(403),
        method="post",
        kwargs=_provider,
        data={"SAMLResponse": "PHNhbWxwOlJlc3BvbnNlLz4=", "continued": "1"},
        other_org=403,
    ),
]
