"""The browser check of the Content-Security-Policy uses the browser tests' fixtures (tests/e2e)."""

from tests.e2e.conftest import (  # noqa: F401 (fixtures pytest finds by name)
    browser,
    committed,
    e2e_server,
    e2e_world,
    page_for,
    pytest_collection_modifyitems,
    sign_in,
)
