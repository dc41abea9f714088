"""Apps add to the test world here: functions (world) -> None, run after the people exist.

They must be idempotent (the world is built once per test database and again per test)."""

from tests.access.cases_assessments import assessments_world  # noqa: E402
from tests.access.cases_journal import journal_world  # noqa: E402
from tests.programmes.test_sessions_world import sessions_world  # noqa: E402
from tests.programmes.world import programmes_world  # noqa: E402
from tests.two_factor import two_factor_world  # noqa: E402

HOOKS: list = [programmes_world, sessions_world, journal_world, assessments_world, two_factor_world]
