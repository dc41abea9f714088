"""Reading a CSV file of employees and checking each row on its own: the columns it names (in English or
Dutch), its encoding and delimiter, the limits on its size, and the mistakes a row can show without the
database (a missing name, an invalid address, a cell a spreadsheet would run as a formula). Touches no
database."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_CREDITS = 100
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Column names are matched ignoring case, spaces, hyphens, underscores and apostrophes, in English or Dutch.
COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "e-mail address", "emailadres", "e-mailadres", "mail"),
    "first_name": ("first name", "firstname", "given name", "voornaam", "roepnaam"),
    "last_name": ("last name", "lastname", "surname", "family name", "achternaam"),
    "department": ("department", "afdeling"),
    "job_title": ("job title", "title", "position", "functie", "functietitel", "functienaam"),
    "manager": (
        "manager",
        "manager email",
        "manager's email",
        "manager e-mail",
        "manager email address",
        "manager's email address",
        "leidinggevende",
        "e-mail leidinggevende",
        "email leidinggevende",
        "e-mailadres leidinggevende",
        "emailadres leidinggevende",
    ),
    "cohort": ("cohort", "group", "groep"),
    "coach": ("coach", "coach email", "coach's email", "coach e-mail", "e-mail coach", "email coach"),
    "credits": ("credits", "session credits", "1:1 credits", "1:1 session credits", "tegoed", "munten"),
}
REQUIRED_COLUMNS = ("email", "first_name", "last_name", "cohort")
LABELS = {
    "email": gettext_lazy("email"),
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "department": gettext_lazy("department"),
    "job_title": gettext_lazy("job title"),
    "manager": gettext_lazy("manager's email"),
    "cohort": gettext_lazy("cohort"),
    "coach": gettext_lazy("coach's email"),
    "credits": gettext_lazy("credits"),
}
MAX_LENGTHS = {
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "department": 120,
    "job_title": 120,
    "cohort": 200,
    "manager": 254,
    "coach": 254,
}
MISSING = {
    "first_name": gettext_lazy("The first name is missing."),
    "last_name": gettext_lazy("The last name is missing."),
    "cohort": gettext_lazy("The cohort is missing."),
}
TEMPLATE_HEADER = ["email", "first name", "last name", "department", "job title", "manager email", "cohort"]


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-.:]+", " ", name.strip().lower().replace("'", "").replace("’", "")).strip()


ALIASES = {_normalise(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


# The limits are settings (portal/settings.py), read at call time so a test can change them.
def max_rows() -> int:
    return settings.ENROLMENT_IMPORT_MAX_ROWS


def max_bytes() -> int:
    return settings.ENROLMENT_IMPORT_MAX_BYTES


def background_rows() -> int:
    """Files with more rows than this run in the background with a progress bar; smaller ones at once."""
    return settings.ENROLMENT_IMPORT_BACKGROUND_ROWS


# --- errors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None  # as a spreadsheet numbers it (header = 1); None for the file as a whole
    column: str | None  # as the file names it
    message: str
    field: str | None = None  # the column's meaning (email, cohort, ...), for forms

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


# --- reading the file -------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    department: str = ""
    job_title: str = ""
    manager: str = ""
    cohort: str = ""
    coach: str = ""
    credits: str = ""


@dataclass
class ParsedFile:
    rows: list[Row] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the column name in the file
    ignored: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, RowError(
            None,
            None,
            _(
                "The file is saved as UTF-16 (“Unicode text”). In Excel choose Save as › “CSV UTF-8 (comma "
                "delimited)” and upload that file."
            ),
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        return None, RowError(
            row,
            None,
            _(
                "This row is not UTF-8 text, so names with accents would come out wrong. In Excel choose "
                "Save as › “CSV UTF-8 (comma delimited)” and upload that file."
            ),
        )


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _map_header(header: list[str], parsed: ParsedFile) -> dict[int, str]:
    positions: dict[int, str] = {}
    for index, raw in enumerate(header):
        name = _normalise(raw)
        if not name:
            continue
        key = ALIASES.get(name)
        if key is None:
            parsed.ignored.append(raw.strip())
        elif key in parsed.columns:
            parsed.errors.append(
                RowError(
                    1,
                    raw.strip(),
                    _("Two columns hold the %(label)s: “%(first)s” and “%(second)s”. Keep one of them.")
                    % {"label": LABELS[key], "first": parsed.columns[key], "second": raw.strip()},
                    key,
                )
            )
        else:
            parsed.columns[key] = raw.strip()
            positions[index] = key
    for key in REQUIRED_COLUMNS:
        if key not in parsed.columns:
            parsed.errors.append(
                RowError(
                    1,
                    str(LABELS[key]),
                    _(
                        "The column “%(label)s” is missing. The first row names the columns: email, first name, "
                        "last name and cohort are needed; department, job title, manager email, coach email and "
                        "credits may be added."
                    )
                    % {"label": LABELS[key]},
                    key,
                )
            )
    return positions


def parse_csv(data: bytes) -> ParsedFile:
    """The rows of a CSV file of employees, or the reasons it cannot be read. Touches no database."""
    parsed = ParsedFile()
    if len(data) > max_bytes():
        parsed.errors.append(
            RowError(
                None,
                None,
                _(
                    "The file is larger than %(max)s, the most that can be imported at once. Split it into "
                    "smaller files."
                )
                % {"max": filesizeformat(max_bytes())},
            )
        )
        return parsed
    text, error = _decode(data)
    if error is not None:
        parsed.errors.append(error)
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            parsed.errors.append(
                RowError(
                    None,
                    None,
                    _("The file is empty. The first row names the columns; each row after it is one person."),
                )
            )
            return parsed
        positions = _map_header(header, parsed)
        count = 0
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets often end with empty rows
            count += 1
            if count > max_rows():
                continue
            row = Row(number=number)
            for index, key in positions.items():
                if index < len(cells):
                    setattr(row, key, cells[index].strip())
            parsed.rows.append(row)
    except csv.Error as problem:
        parsed.errors.append(
            RowError(reader.line_num, None, _("This row cannot be read as CSV: %(problem)s.") % {"problem": problem})
        )
        return parsed
    if count > max_rows():
        parsed.errors.append(
            RowError(
                None,
                None,
                _(
                    "The file has %(count)s rows of people; at most %(max)s can be imported at once. Split it into "
                    "smaller files."
                )
                % {"count": count, "max": max_rows()},
            )
        )
    if not count and not parsed.errors:
        parsed.errors.append(RowError(None, None, _("The file names its columns but has no rows of people.")))
    return parsed


# --- checking rows on their own ---------------------------------------------------------------------


class Checker:
    """Collects errors against the column names the file uses."""

    def __init__(self, columns: dict[str, str]):
        self.columns = columns
        self.errors: list[RowError] = []

    def add(self, row: Row | None, key: str | None, message: str) -> None:
        column = (self.columns.get(key) or str(LABELS[key])) if key else None
        self.errors.append(RowError(row.number if row else None, column, message, key))


@lru_cache(maxsize=4096)
def _valid_email(value: str) -> bool:
    """Managers' and coaches' addresses repeat on many rows; each is checked once."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _check_email(checker: Checker, row: Row, key: str, required: bool) -> bool:
    value = getattr(row, key)
    if not value:
        if required:
            checker.add(row, key, _("The email address is missing."))
        return False
    if not _valid_email(value):
        checker.add(row, key, _("“%(value)s” is not a valid email address.") % {"value": value})
        return False
    setattr(row, key, value.lower())
    return True


def check_row(checker: Checker, row: Row, first_row_of: dict[str, int]) -> None:
    flagged = set()  # cells already reported, so one mistake gives one message
    for key in MAX_LENGTHS:
        value = getattr(row, key)
        if value.startswith(FORMULA_STARTS):
            checker.add(
                row,
                key,
                _("Starts with “%(char)s”, which spreadsheet programs may run as a formula. Remove that character.")
                % {"char": value[0].strip() or _("a tab")},
            )
            flagged.add(key)
        elif len(value) > MAX_LENGTHS[key]:
            checker.add(row, key, _("Longer than %(max)s characters.") % {"max": MAX_LENGTHS[key]})
            flagged.add(key)
    if "email" not in flagged and _check_email(checker, row, "email", required=True):
        if row.email in first_row_of:
            checker.add(
                row,
                "email",
                _("%(email)s is in the file twice: also on row %(row)s.")
                % {"email": row.email, "row": first_row_of[row.email]},
            )
        else:
            first_row_of[row.email] = row.number
    for key, missing in MISSING.items():
        if not getattr(row, key) and key not in flagged:
            checker.add(row, key, str(missing))
    if "manager" not in flagged and _check_email(checker, row, "manager", required=False) and row.manager == row.email:
        checker.add(row, "manager", _("Someone cannot be their own manager."))
    if "coach" not in flagged:
        _check_email(checker, row, "coach", required=False)
    if row.credits and (not row.credits.isdigit() or int(row.credits) > MAX_CREDITS):
        checker.add(row, "credits", _("Write a whole number of credits from 0 to %(max)s.") % {"max": MAX_CREDITS})


# --- the upload ------------------------------------------------------------------------------------


def count_rows(data: bytes) -> int:
    """A quick estimate (lines) to decide between importing at once and in the background."""
    return data.count(b"\n")


def missing_file_error() -> RowError:
    """No file came with the upload: the one error the upload form and the API both answer."""
    return RowError(None, "file", _("Choose a CSV file to upload."))
