"""Fault injection against the production stack, run by `make faults` (scripts/faults.sh).

The fixtures are those of tests/prod (the stack's database, clients, the mailbox); the means of breaking
things are in injection.py. Without the stack every test here is skipped; the normal run deselects them.
"""

from tests.prod.conftest import (  # noqa: F401 (fixtures pytest finds by name)
    _stack_database,
    client_for,
    django_db_setup,
    mailbox,
    pytest_collection_modifyitems,
    stack,
)

TRIALS = 20
