"""Dates in the reader's language: Dutch abbreviates months in lower case, English capitalises them."""

from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.formats import local_date_format

DAY = date(2026, 3, 25)


@pytest.mark.parametrize(("language", "expected"), [("nl", "25 mrt 2026"), ("en", "25 Mar 2026")])
def test_it_cases_abbreviated_months_as_the_language_writes_them(language, expected):
    with translation.override(language):
        assert local_date_format(DAY, "j M Y") == expected


def test_the_filter_is_there_in_every_template_without_loading_it():
    template = Template('{{ day|local_date:"D j M" }} · {{ day|local_date:"M Y" }}')
    with translation.override("nl"):
        assert template.render(Context({"day": DAY})) == "wo 25 mrt · mrt 2026"
    with translation.override("en"):
        assert template.render(Context({"day": DAY})) == "Wed 25 Mar · Mar 2026"


def test_named_formats_and_escaped_letters_are_left_alone():
    with translation.override("nl"):
        assert local_date_format(DAY, "DATE_FORMAT") == "25 maart 2026"
        assert local_date_format(datetime(2026, 3, 25, 9, 5), r"j M \M H:i") == "25 mrt M 09:05"
