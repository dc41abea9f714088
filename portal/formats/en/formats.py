"""English as it is written in Britain (and in most of Europe that reads the portal in English): day before
month, 24-hour times. Django's own "en" formats are American ("Dec. 3, 2026", "2:30 p.m."); settings'
FORMAT_MODULE_PATH puts this module in front of them, so every named format (`|date:"DATE_FORMAT"`, a
`|date` without one, `formats.date_format(value)`) follows it. What is not set here falls back to Django's."""

DATE_FORMAT = "j F Y"  # 3 December 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 3 December 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 3 December
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 03/12/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

# Typed dates are read day first. ISO stays first: date inputs (<input type="date">) show their value in the
# first format, and browsers send ISO.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
