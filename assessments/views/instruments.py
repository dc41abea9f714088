"""Pages for HR and coaches to build instruments: the library, the editor (questions with htmx),
dimensions and their interpretation bands.

An edit of a version in use lands in a new version (see services/instruments.py); the views then send
the person to that version with a note saying so.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import BandForm, DimensionForm, InstrumentForm, QuestionForm
from assessments.models import Band, Dimension, InstrumentVersion, Question
from assessments.selectors import instruments as selectors
from assessments.services import instruments as services
from portal import policy

EDITORS = (policy.HR_MANAGER, policy.COACH)


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _after_edit(
    request: HttpRequest, before: InstrumentVersion | int, after: InstrumentVersion, success: str
) -> HttpResponse:
    """Where to go after a successful edit: the new version when the edit made one, else back."""
    before_pk = before if isinstance(before, int) else before.pk
    url = reverse("instrument_detail", args=[after.pk])
    if after.pk != before_pk:
        messages.info(
            request,
            _(
                "Version %(old)d is in use, so your change made version %(new)d. People who "
                "already have the earlier version keep it."
            )
            % {"old": after.number - 1, "new": after.number},
        )
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
    if request.htmx:
        return _questions(request, selectors.instrument_editor(actor=request.actor, pk=after.pk), status_text=success)
    messages.success(request, success)
    return redirect(url)


def _refused(request: HttpRequest, version_pk: int, error: ValidationError) -> HttpResponse:
    """An edit the service refused: the reason beside the questions (htmx) or at the top of the page."""
    if request.htmx:
        editor = selectors.instrument_editor(actor=request.actor, pk=version_pk)
        return _questions(request, editor, error_text=error.messages[0])
    messages.error(request, error.messages[0])
    return redirect("instrument_detail", version_pk)


def _questions(
    request: HttpRequest,
    editor,
    *,
    add_form: QuestionForm | None = None,
    edit_form: QuestionForm | None = None,
    editing: int | None = None,
    status_text: str = "",
    error_text: str = "",
    status: int = 200,
) -> HttpResponse:
    """The question list of the editor, alone for htmx or inside the whole page."""
    context = {
        "editor": editor,
        "version": editor.version,
        "add_form": add_form or QuestionForm(version=editor.version, prefix="new"),
        "edit_form": edit_form,
        "editing": editing,
        "status_text": status_text,
        "error_text": error_text,
        "dimension_form": DimensionForm(),
        "band_form": BandForm(),
    }
    template = "assessments/instrument_questions.html" if request.htmx else "assessments/instrument_detail.html"
    return render(request, template, context, status=status)


# --- the library and instruments --------------------------------------------------------------------


@require_GET
@policy.page(*EDITORS)
def instrument_list(request: HttpRequest) -> HttpResponse:
    """The instruments of this organisation: the built-in library and its own."""
    return render(
        request, "assessments/instrument_list.html", {"versions": selectors.instrument_library(actor=request.actor)}
    )


@require_http_methods(["GET", "POST"])
@policy.page(*EDITORS)
def instrument_create(request: HttpRequest) -> HttpResponse:
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.instrument_create(actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The instrument is made. Now add its dimensions and questions."))
            return redirect("instrument_detail", version.pk)
    return render(request, "assessments/instrument_form.html", {"form": form, "version": None})


@require_GET
@policy.page(*EDITORS)
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor: settings, dimensions with their bands, and the questions in order."""
    return _questions(request, selectors.instrument_editor(actor=request.actor, pk=pk))


@require_http_methods(["GET", "POST"])
@policy.page(*EDITORS)
def instrument_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = policy.get_or_404(
        request.actor, InstrumentVersion, InstrumentVersion.objects.select_related("instrument"), pk=pk
    )
    initial = {name: getattr(version, name) for name in ("title_en", "title_nl", "description_en", "description_nl")}
    initial["results_need_release"] = version.instrument.results_need_release
    form = InstrumentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.instrument_update(actor=request.actor, version=version, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(request, version, updated, _("The instrument is saved."))
    return render(request, "assessments/instrument_form.html", {"form": form, "version": version})


@require_POST
@policy.page(*EDITORS)
def instrument_copy(request: HttpRequest, pk: int) -> HttpResponse:
    version = policy.get_or_404(request.actor, InstrumentVersion, pk=pk)
    copy = services.instrument_copy(actor=request.actor, version=version)
    messages.success(request, _("This is your own copy. Change it as you like; the original stays as it was."))
    return redirect("instrument_detail", copy.pk)


@require_POST
@policy.page(*EDITORS)
def instrument_remove(request: HttpRequest, pk: int) -> HttpResponse:
    version = policy.get_or_404(request.actor, InstrumentVersion, pk=pk)
    try:
        deleted = services.instrument_remove(actor=request.actor, version=version)
    except ValidationError as error:
        return _refused(request, version.pk, error)
    messages.success(
        request,
        _("The instrument is deleted.")
        if deleted
        else _("The instrument is archived: it was used, so its results stay, but it can no longer be scheduled."),
    )
    return redirect("instrument_list")


# --- dimensions and bands ---------------------------------------------------------------------------


@require_POST
@policy.page(*EDITORS)
def instrument_dimension_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = policy.get_or_404(request.actor, InstrumentVersion, pk=pk)
    form = DimensionForm(request.POST)
    if form.is_valid():
        try:
            dimension = services.dimension_add(actor=request.actor, version=version, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(request, version, dimension.version, _("The dimension is added."))
    editor = selectors.instrument_editor(actor=request.actor, pk=version.pk)
    return render(
        request,
        "assessments/instrument_detail.html",
        {
            "editor": editor,
            "version": editor.version,
            "add_form": QuestionForm(version=version, prefix="new"),
            "dimension_form": form,
            "band_form": BandForm(),
        },
        status=400,
    )


@require_http_methods(["GET", "POST"])
@policy.page(*EDITORS)
def instrument_dimension_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dimension = policy.get_or_404(request.actor, Dimension, Dimension.objects.select_related("version"), pk=pk)
    form = DimensionForm(
        request.POST or None,
        initial={name: getattr(dimension, name) for name in ("name_en", "name_nl", "description_en", "description_nl")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.dimension_update(actor=request.actor, dimension=dimension, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(request, dimension.version, updated.version, _("The dimension is saved."))
    return render(
        request,
        "assessments/instrument_part_form.html",
        {
            "form": form,
            "version": dimension.version,
            "heading": _("Edit the dimension"),
            "action": reverse("instrument_dimension_edit", args=[dimension.pk]),
        },
    )


@require_POST
@policy.page(*EDITORS)
def instrument_dimension_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dimension = policy.get_or_404(request.actor, Dimension, Dimension.objects.select_related("version"), pk=pk)
    try:
        version = services.dimension_delete(actor=request.actor, dimension=dimension)
    except ValidationError as error:
        return _refused(request, dimension.version_id, error)
    return _after_edit(request, dimension.version, version, _("The dimension is deleted."))


@require_POST
@policy.page(*EDITORS)
def instrument_band_add(request: HttpRequest, pk: int) -> HttpResponse:
    dimension = policy.get_or_404(request.actor, Dimension, Dimension.objects.select_related("version"), pk=pk)
    form = BandForm(request.POST)
    if form.is_valid():
        try:
            band = services.band_add(actor=request.actor, dimension=dimension, fields=form.fields_value())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(request, dimension.version, band.dimension.version, _("The band is added."))
    return render(
        request,
        "assessments/instrument_part_form.html",
        {
            "form": form,
            "version": dimension.version,
            "status": 400,
            "heading": _("Add a band to “%(name)s”") % {"name": dimension.name},
            "action": reverse("instrument_band_add", args=[dimension.pk]),
        },
        status=400,
    )


@require_http_methods(["GET", "POST"])
@policy.page(*EDITORS)
def instrument_band_edit(request: HttpRequest, pk: int) -> HttpResponse:
    band = policy.get_or_404(request.actor, Band, Band.objects.select_related("dimension__version"), pk=pk)
    form = BandForm(
        request.POST or None,
        initial={
            name: getattr(band, name) for name in ("lower", "upper", "label_en", "label_nl", "text_en", "text_nl")
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.band_update(actor=request.actor, band=band, fields=form.fields_value())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(request, band.dimension.version, updated.dimension.version, _("The band is saved."))
    return render(
        request,
        "assessments/instrument_part_form.html",
        {
            "form": form,
            "version": band.dimension.version,
            "heading": _("Edit a band of “%(name)s”") % {"name": band.dimension.name},
            "action": reverse("instrument_band_edit", args=[band.pk]),
        },
    )


@require_POST
@policy.page(*EDITORS)
def instrument_band_delete(request: HttpRequest, pk: int) -> HttpResponse:
    band = policy.get_or_404(request.actor, Band, Band.objects.select_related("dimension__version"), pk=pk)
    try:
        version = services.band_delete(actor=request.actor, band=band)
    except ValidationError as error:
        return _refused(request, band.dimension.version_id, error)
    return _after_edit(request, band.dimension.version, version, _("The band is deleted."))


# --- questions (htmx: each action answers with the refreshed question list) --------------------------


@require_POST
@policy.page(*EDITORS)
def instrument_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = policy.get_or_404(request.actor, InstrumentVersion, pk=pk)
    form = QuestionForm(request.POST, version=version, prefix="new")
    if form.is_valid():
        try:
            question = services.question_add(actor=request.actor, version=version, fields=form.fields_value())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(
                request, version, question.version, _("Question %(number)d is added.") % {"number": question.position}
            )
    editor = selectors.instrument_editor(actor=request.actor, pk=version.pk)
    return _questions(request, editor, add_form=form, status=400 if not request.htmx else 200)


@require_http_methods(["GET", "POST"])
@policy.page(*EDITORS)
def instrument_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = policy.get_or_404(request.actor, Question, Question.objects.select_related("version"), pk=pk)
    form = QuestionForm.for_question(question, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.question_update(actor=request.actor, question=question, fields=form.fields_value())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _after_edit(
                request,
                question.version,
                updated.version,
                _("Question %(number)d is saved.") % {"number": updated.position},
            )
    editor = selectors.instrument_editor(actor=request.actor, pk=question.version_id)
    return _questions(request, editor, edit_form=form, editing=question.pk)


@require_POST
@policy.page(*EDITORS)
def instrument_question_move(request: HttpRequest, pk: int) -> HttpResponse:
    question = policy.get_or_404(request.actor, Question, Question.objects.select_related("version"), pk=pk)
    try:
        moved = services.question_move(
            actor=request.actor, question=question, direction=request.POST.get("direction", "")
        )
    except ValidationError as error:
        return _refused(request, question.version_id, error)
    return _after_edit(
        request, question.version, moved.version, _("Question moved to number %(number)d.") % {"number": moved.position}
    )


@require_POST
@policy.page(*EDITORS)
def instrument_question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = policy.get_or_404(request.actor, Question, Question.objects.select_related("version"), pk=pk)
    try:
        version = services.question_delete(actor=request.actor, question=question)
    except ValidationError as error:
        return _refused(request, question.version_id, error)
    return _after_edit(request, question.version, version, _("The question is deleted."))
