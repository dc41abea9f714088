"""Enrolling employees in bulk: one service behind the CSV upload page, the API, the one-person form,
the demo data and the tests.

The whole file is checked before anything is written, and it is written in one transaction (invitations
in the public schema, profiles and enrolments in the organisation's schema): either every row is imported
or none is. Every problem names the row as a spreadsheet shows it (the header is row 1), the column as
the file names it, and what is wrong. Importing the same file again changes nothing.

Only people who are employees here already are enrolled at once. Everyone else (a new address, or an
account that exists, here in another role or in another organisation) gets an invitation that holds
their seat in the cohort and is enrolled when they accept it (`invitation_enrol`): an import never makes
anyone a member. Accounts are not looked at for them, so a new and an existing address are answered
alike, and the answer never tells HR which addresses have an account.

Each kind of lookup is one query for the whole file and each kind of row is written in one statement
(columns passed as arrays, see `bulk_insert`), so the number of queries does not grow with the file.

The work is in three modules: `parsing` (reading the file and checking each row on its own), `planning`
(checking the rows against the database and writing them) and `job` (an uploaded file as a job, with its
progress). The names callers use are here.
"""

from programmes.services.imports.job import import_job_create, import_job_run, import_progress
from programmes.services.imports.parsing import (
    TEMPLATE_HEADER,
    ParsedFile,
    Row,
    RowError,
    background_rows,
    count_rows,
    max_bytes,
    max_rows,
    missing_file_error,
    parse_csv,
)
from programmes.services.imports.planning import (
    ImportOutcome,
    bulk_insert,
    enrolment_add,
    enrolment_import,
    enrolment_rows_import,
    invitation_enrol,
    outcome_message,
)

__all__ = [
    "TEMPLATE_HEADER",
    "ImportOutcome",
    "ParsedFile",
    "Row",
    "RowError",
    "background_rows",
    "bulk_insert",
    "count_rows",
    "enrolment_add",
    "enrolment_import",
    "enrolment_rows_import",
    "import_job_create",
    "import_job_run",
    "import_progress",
    "invitation_enrol",
    "max_bytes",
    "max_rows",
    "missing_file_error",
    "outcome_message",
    "parse_csv",
]
