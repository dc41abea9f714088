"""Fails when any URL pattern (page, fragment, API) has no case in the access matrix."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.test_access_matrix import all_cases

# Patterns that are not ours to test one by one, with the reason.
EXEMPT = {
    ("tenant", "api-root"): "DRF's router index",
}


def names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from names(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, prefix + str(pattern.pattern)


def test_every_url_pattern_is_in_the_access_matrix():
    covered = {(case.host, case.name) for case in all_cases()}
    missing = []
    for host, urlconf in (("public", "portal.urls_public"), ("tenant", "portal.urls_tenant")):
        for name, route in names(get_resolver(urlconf)):
            if name is None:
                missing.append(f"{host}: {route!r} has no name")
            elif (host, name) not in covered and (host, name) not in EXEMPT and not name.endswith("-format"):
                missing.append(f"{host}: {name} ({route})")
    assert not missing, "URL patterns missing from the access matrix:\n" + "\n".join(missing)
