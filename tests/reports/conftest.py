import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Code run outside a request speaks the default language, whatever an earlier test left active."""
    with translation.override("en"):
        yield
