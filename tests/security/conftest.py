"""The browser check of the Content-Security-Policy uses the browser tests' fixtures (tests/e2e)."""

from tests.e2e.conftest import (browser, committed, e2e_server, e2e_world, page_for,  # noqa: F401
                                pytest_collection_modifyitems, sign_in)
