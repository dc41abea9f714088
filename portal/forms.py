"""The shape every form page shares: the form parses, a service decides, its refusal lands on the form.

form = ProgrammeForm(request.POST or None, instance=programme)
if form_submit(request, form, partial(services.programme_update, actor=request.actor, programme=programme)):
    messages.success(request, _("The programme is saved."))
    return redirect("programme_detail", pk=programme.pk)
return render(request, "programmes/programme_form.html", {"form": form})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: beside the field it names where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@dataclass(frozen=True)
class Submitted:
    """What `form_submit` did: true when the service ran, with what it returned."""

    saved: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.saved


def form_submit(request: HttpRequest, form: forms.Form, save: Callable[..., Any]) -> Submitted:
    """On a POST with a valid form, call `save(**form.cleaned_data)` (a service); a ValidationError it
    raises goes onto the form. False for a GET and whenever the form has errors to show."""
    if request.method != "POST" or not form.is_valid():
        return Submitted(False)
    try:
        return Submitted(True, save(**form.cleaned_data))
    except ValidationError as error:
        add_service_errors(form, error)
        return Submitted(False)
