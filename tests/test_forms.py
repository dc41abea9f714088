"""portal.forms: the form parses, the service decides, its refusal lands beside the field it names."""

from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from portal.forms import form_submit


class NameForm(forms.Form):
    name = forms.CharField()


def _service(*, name: str) -> str:
    if name == "taken":
        raise ValidationError({"name": "This name is taken.", "other": "Something else."})
    return name.upper()


def test_it_saves_a_valid_post_and_hands_back_what_the_service_returned():
    request = RequestFactory().post("/", {"name": "ada"})
    submitted = form_submit(request, NameForm(request.POST), _service)
    assert submitted and submitted.result == "ADA"


def test_it_does_nothing_on_a_get_or_with_an_invalid_form():
    assert not form_submit(RequestFactory().get("/"), NameForm(), _service)
    request = RequestFactory().post("/", {})
    form = NameForm(request.POST)
    assert not form_submit(request, form, _service) and "name" in form.errors


def test_it_puts_the_services_refusal_on_the_field_it_names_and_the_rest_on_the_form():
    request = RequestFactory().post("/", {"name": "taken"})
    form = NameForm(request.POST)
    assert not form_submit(request, form, _service)
    assert form.errors["name"] == ["This name is taken."] and form.non_field_errors() == ["Something else."]
