"""Writes for instruments: building one, editing its dimensions, questions, options and bands, versions.

Every edit goes through `_editable`: it refuses built-ins and older versions, locks the instrument so two
editors cannot fork it twice, and when the version is frozen (a phase uses it) copies it into the next
version first and applies the edit there. The caller gets the edited object back; when its version is
not the one it started from, the edit made a new version.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import Band, Choice, Dimension, Instrument, InstrumentVersion, Question
from assessments.selectors.instruments import can_edit
from portal import policy

EDITORS = (policy.HR_MANAGER, policy.COACH)
MAX_QUESTIONS = 120


@dataclass
class QuestionFields:
    """What a question says and how it is answered, as entered in the editor or sent to the API."""

    kind: str
    text_en: str
    text_nl: str
    dimension: Dimension | None = None
    reverse_scored: bool = False
    required: bool = True
    low_label_en: str = ""
    low_label_nl: str = ""
    high_label_en: str = ""
    high_label_nl: str = ""
    # Single choice only: (English, Dutch, score or None) per option, in order.
    choices: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class BandFields:
    lower: int
    upper: int
    label_en: str
    label_nl: str
    text_en: str
    text_nl: str


# --- who may edit -----------------------------------------------------------------------------------


def _editable(version: InstrumentVersion, *, actor: policy.Actor) -> tuple[InstrumentVersion, dict]:
    """The version an edit of `version` lands in, and the map of copied rows when it had to be copied.

    Runs inside the caller's transaction; the instrument row stays locked until it commits.
    """
    instrument = Instrument.objects.select_for_update().get(pk=version.instrument_id)
    if instrument.is_builtin:
        raise ValidationError(_("Built-in instruments cannot be changed. Make your own copy to adapt one."))
    if not can_edit(actor, instrument):
        raise ValidationError(_("Only HR and the coach who made this instrument can change it."))
    version = InstrumentVersion.objects.get(pk=version.pk)
    if not version.is_latest:
        raise ValidationError(_("This is an older version. Changes go into the current version."))
    if not version.is_frozen:
        return version, {}
    return version_copy(source=version, instrument=instrument, actor=actor)


def _target(mapping: dict, obj):
    """The copy of `obj` in the new version (or `obj` itself when nothing was copied)."""
    return mapping.get((type(obj), obj.pk), obj)


# --- versions ---------------------------------------------------------------------------------------


def version_copy(
    *,
    source: InstrumentVersion,
    instrument: Instrument,
    actor: policy.Actor,
    as_new_instrument: bool = False,
    title_suffix: str = "",
) -> tuple[InstrumentVersion, dict]:
    """Copy `source` with its dimensions, bands, questions and options: the next version of `instrument`
    (the previous latest stops being latest), or version 1 of a new instrument. Returns the copy and a map
    (model, old pk) -> new row."""
    if as_new_instrument:
        number = 1
    else:
        number = (instrument.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        instrument.versions.filter(is_latest=True).update(is_latest=False)
    copy = InstrumentVersion.objects.create(
        instrument=instrument,
        number=number,
        is_latest=True,
        created_by=actor.user,
        title_en=source.title_en + title_suffix,
        title_nl=source.title_nl + title_suffix,
        description_en=source.description_en,
        description_nl=source.description_nl,
    )
    mapping: dict = {(InstrumentVersion, source.pk): copy}
    for dimension in source.dimensions.all():
        new = Dimension.objects.create(
            version=copy,
            key=dimension.key,
            position=dimension.position,
            name_en=dimension.name_en,
            name_nl=dimension.name_nl,
            description_en=dimension.description_en,
            description_nl=dimension.description_nl,
        )
        mapping[(Dimension, dimension.pk)] = new
        for band in dimension.bands.all():
            mapping[(Band, band.pk)] = Band.objects.create(
                dimension=new,
                lower=band.lower,
                upper=band.upper,
                label_en=band.label_en,
                label_nl=band.label_nl,
                text_en=band.text_en,
                text_nl=band.text_nl,
            )
    for question in source.questions.prefetch_related("choices"):
        new_question = Question.objects.create(
            version=copy,
            dimension=mapping.get((Dimension, question.dimension_id)),
            position=question.position,
            kind=question.kind,
            text_en=question.text_en,
            text_nl=question.text_nl,
            reverse_scored=question.reverse_scored,
            required=question.required,
            low_label_en=question.low_label_en,
            low_label_nl=question.low_label_nl,
            high_label_en=question.high_label_en,
            high_label_nl=question.high_label_nl,
        )
        mapping[(Question, question.pk)] = new_question
        for choice in question.choices.all():
            mapping[(Choice, choice.pk)] = Choice.objects.create(
                question=new_question,
                position=choice.position,
                label_en=choice.label_en,
                label_nl=choice.label_nl,
                score=choice.score,
            )
    return copy, mapping


def version_freeze(*, version: InstrumentVersion) -> None:
    """From now on this version never changes: a phase has scheduled it."""
    InstrumentVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())


# --- instruments ------------------------------------------------------------------------------------


def _require_texts(**texts: str) -> None:
    missing = {
        name: _("Fill this in, in English and in Dutch: employees read it in their own language.")
        for name, text in texts.items()
        if not (text or "").strip()
    }
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def instrument_create(
    *,
    actor: policy.Actor,
    title_en: str,
    title_nl: str,
    description_en: str = "",
    description_nl: str = "",
    results_need_release: bool = False,
) -> InstrumentVersion:
    """A new instrument of this organisation, empty and editable: version 1, to which questions are added."""
    policy.require(actor, *EDITORS)
    _require_texts(title_en=title_en, title_nl=title_nl)
    base = slugify(title_en)[:60] or "instrument"
    instrument = Instrument.objects.create(
        key=f"{base}-{secrets.token_hex(3)}", created_by=actor.user, results_need_release=results_need_release
    )
    return InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        is_latest=True,
        created_by=actor.user,
        title_en=title_en.strip(),
        title_nl=title_nl.strip(),
        description_en=description_en.strip(),
        description_nl=description_nl.strip(),
    )


@transaction.atomic
def instrument_update(
    *,
    actor: policy.Actor,
    version: InstrumentVersion,
    title_en: str,
    title_nl: str,
    description_en: str,
    description_nl: str,
    results_need_release: bool,
) -> InstrumentVersion:
    """Change the title, description and release setting. The texts are part of the version (a frozen one
    gets a new version); the release setting belongs to the instrument and applies to later submissions."""
    _require_texts(title_en=title_en, title_nl=title_nl)
    texts = {
        "title_en": title_en.strip(),
        "title_nl": title_nl.strip(),
        "description_en": description_en.strip(),
        "description_nl": description_nl.strip(),
    }
    changed_texts = any(getattr(version, name) != value for name, value in texts.items())
    if changed_texts:
        version, _mapping = _editable(version, actor=actor)
        for name, value in texts.items():
            setattr(version, name, value)
        version.save(update_fields=list(texts))
    else:
        _lock_for_settings(version, actor=actor)
    Instrument.objects.filter(pk=version.instrument_id).update(results_need_release=results_need_release)
    return version


def _lock_for_settings(version: InstrumentVersion, *, actor: policy.Actor) -> None:
    instrument = Instrument.objects.select_for_update().get(pk=version.instrument_id)
    if not can_edit(actor, instrument):
        raise ValidationError(_("Only HR and the coach who made this instrument can change it."))


@transaction.atomic
def instrument_copy(*, actor: policy.Actor, version: InstrumentVersion) -> InstrumentVersion:
    """The organisation's own copy of an instrument (typically a built-in one), ready to adapt."""
    policy.require(actor, *EDITORS)
    source_instrument = version.instrument
    base = slugify(version.title_en)[:60] or "instrument"
    instrument = Instrument.objects.create(
        key=f"{base}-{secrets.token_hex(3)}",
        created_by=actor.user,
        results_need_release=source_instrument.results_need_release,
    )
    copy, _mapping = version_copy(
        source=version, instrument=instrument, actor=actor, as_new_instrument=True, title_suffix=_(" (copy)")
    )
    return copy


@transaction.atomic
def instrument_remove(*, actor: policy.Actor, version: InstrumentVersion) -> bool:
    """Delete an instrument nobody has been asked to answer; archive one that was used. True if deleted."""
    instrument = Instrument.objects.select_for_update().get(pk=version.instrument_id)
    if not can_edit(actor, instrument):
        raise ValidationError(_("Built-in instruments, and other coaches' instruments, cannot be removed."))
    if instrument.versions.filter(frozen_at__isnull=False).exists():
        instrument.archived_at = timezone.now()
        instrument.save(update_fields=["archived_at"])
        return False
    # Questions go first: a dimension cannot be deleted while a question still counts towards it.
    Question.objects.filter(version__instrument=instrument).delete()
    instrument.delete()
    return True


# --- dimensions -------------------------------------------------------------------------------------


def _unique_key(version: InstrumentVersion, name: str) -> str:
    base = slugify(name)[:50] or "dimension"
    taken = set(version.dimensions.values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def dimension_add(
    *,
    actor: policy.Actor,
    version: InstrumentVersion,
    name_en: str,
    name_nl: str,
    description_en: str = "",
    description_nl: str = "",
) -> Dimension:
    _require_texts(name_en=name_en, name_nl=name_nl)
    version, _mapping = _editable(version, actor=actor)
    position = (version.dimensions.aggregate(top=Max("position"))["top"] or 0) + 1
    return Dimension.objects.create(
        version=version,
        key=_unique_key(version, name_en),
        position=position,
        name_en=name_en.strip(),
        name_nl=name_nl.strip(),
        description_en=description_en.strip(),
        description_nl=description_nl.strip(),
    )


@transaction.atomic
def dimension_update(
    *,
    actor: policy.Actor,
    dimension: Dimension,
    name_en: str,
    name_nl: str,
    description_en: str = "",
    description_nl: str = "",
) -> Dimension:
    """Rename or describe a dimension. Its key stays, so results before and after still line up."""
    _require_texts(name_en=name_en, name_nl=name_nl)
    _version, mapping = _editable(dimension.version, actor=actor)
    dimension = _target(mapping, dimension)
    dimension.name_en, dimension.name_nl = name_en.strip(), name_nl.strip()
    dimension.description_en, dimension.description_nl = description_en.strip(), description_nl.strip()
    dimension.save(update_fields=["name_en", "name_nl", "description_en", "description_nl"])
    return dimension


@transaction.atomic
def dimension_delete(*, actor: policy.Actor, dimension: Dimension) -> InstrumentVersion:
    version, mapping = _editable(dimension.version, actor=actor)
    dimension = _target(mapping, dimension)
    count = dimension.questions.count()
    if count:
        raise ValidationError(
            _("This dimension still has %(count)d question(s). Move them to another dimension or delete them first.")
            % {"count": count}
        )
    dimension.delete()
    return version


# --- questions --------------------------------------------------------------------------------------


def _clean_question(fields: QuestionFields, version: InstrumentVersion) -> dict:
    """Check a question against the rules of its kind; returns the model fields, or raises naming the field."""
    errors = {}
    if fields.kind not in Question.Kind.values:
        errors["kind"] = _("Choose how the question is answered.")
    for name in ("text_en", "text_nl"):
        if not getattr(fields, name).strip():
            errors[name] = _("Write the question in English and in Dutch.")
    if fields.dimension is not None and fields.dimension.version_id != version.pk:
        errors["dimension"] = _("Choose a dimension of this instrument.")
    if fields.kind == Question.Kind.TEXT:
        if fields.reverse_scored:
            errors["reverse_scored"] = _("A free-text answer has no score, so it cannot be reverse-scored.")
        if fields.dimension is not None:
            errors["dimension"] = _("A free-text answer has no score; leave the dimension empty.")
    if fields.kind == Question.Kind.CHOICE:
        if len(fields.choices) < 2:
            errors["choices"] = _("Give at least two options, one per line.")
        elif any(not en.strip() or not nl.strip() for en, nl, _score in fields.choices):
            errors["choices"] = _("Give every option in English and in Dutch.")
        elif fields.dimension is not None and len({s for _e, _n, s in fields.choices if s is not None}) < 2:
            errors["choices"] = _("To count towards a dimension, give the options at least two different scores.")
        elif fields.dimension is None and fields.reverse_scored:
            errors["reverse_scored"] = _("Only a question that counts towards a dimension can be reverse-scored.")
    elif fields.choices:
        errors["choices"] = _("Only single-choice questions have options.")
    if fields.kind in Question.SCALE_MAX and fields.dimension is None and fields.reverse_scored:
        errors["reverse_scored"] = _("Only a question that counts towards a dimension can be reverse-scored.")
    if errors:
        raise ValidationError(errors)
    labels = ("low_label_en", "low_label_nl", "high_label_en", "high_label_nl")
    data = (
        {name: getattr(fields, name).strip() for name in labels}
        if fields.kind in Question.SCALE_MAX
        else dict.fromkeys(labels, "")
    )
    data.update(
        kind=fields.kind,
        text_en=fields.text_en.strip(),
        text_nl=fields.text_nl.strip(),
        dimension=fields.dimension,
        reverse_scored=fields.reverse_scored,
        required=fields.required,
    )
    return data


def _set_choices(question: Question, choices: list[tuple[str, str, int | None]]) -> None:
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(question=question, position=position, label_en=en.strip(), label_nl=nl.strip(), score=score)
        for position, (en, nl, score) in enumerate(choices, start=1)
    )


@transaction.atomic
def question_add(*, actor: policy.Actor, version: InstrumentVersion, fields: QuestionFields) -> Question:
    """A question at the end of the instrument."""
    version, mapping = _editable(version, actor=actor)
    if fields.dimension is not None:
        fields.dimension = _target(mapping, fields.dimension)
    data = _clean_question(fields, version)
    last = version.questions.aggregate(top=Max("position"))["top"] or 0
    if last >= MAX_QUESTIONS:
        raise ValidationError(_("An instrument has at most %(count)d questions.") % {"count": MAX_QUESTIONS})
    question = Question.objects.create(version=version, position=last + 1, **data)
    _set_choices(question, fields.choices if fields.kind == Question.Kind.CHOICE else [])
    return question


@transaction.atomic
def question_update(*, actor: policy.Actor, question: Question, fields: QuestionFields) -> Question:
    version, mapping = _editable(question.version, actor=actor)
    question = _target(mapping, question)
    if fields.dimension is not None:
        fields.dimension = _target(mapping, fields.dimension)
    data = _clean_question(fields, version)
    for name, value in data.items():
        setattr(question, name, value)
    question.save(update_fields=list(data))
    _set_choices(question, fields.choices if fields.kind == Question.Kind.CHOICE else [])
    return question


@transaction.atomic
def question_delete(*, actor: policy.Actor, question: Question) -> InstrumentVersion:
    version, mapping = _editable(question.version, actor=actor)
    question = _target(mapping, question)
    position = question.position
    question.delete()
    # Close the gap, so positions stay 1..n (the unique constraint is deferred to the commit).
    version.questions.filter(position__gt=position).update(position=F("position") - 1)
    return version


@transaction.atomic
def question_move(*, actor: policy.Actor, question: Question, direction: str) -> Question:
    """Swap a question with its neighbour above ("up") or below ("down"); at either end nothing moves."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a question up or down."))
    version, mapping = _editable(question.version, actor=actor)
    question = _target(mapping, question)
    neighbours = (
        version.questions.filter(position__lt=question.position).order_by("-position")
        if direction == "up"
        else version.questions.filter(position__gt=question.position).order_by("position")
    )
    neighbour = neighbours.first()
    if neighbour is None:
        return question
    question.position, neighbour.position = neighbour.position, question.position
    question.save(update_fields=["position"])
    neighbour.save(update_fields=["position"])
    return question


# --- interpretation bands ---------------------------------------------------------------------------


def _clean_band(fields: BandFields, dimension: Dimension, *, ignore: Band | None = None) -> None:
    errors = {}
    if not 0 <= fields.lower <= 100:
        errors["lower"] = _("Use a score from 0 to 100.")
    if not 0 <= fields.upper <= 100:
        errors["upper"] = _("Use a score from 0 to 100.")
    elif fields.upper < fields.lower:
        errors["upper"] = _("The range must end at or above where it starts.")
    for name in ("label_en", "label_nl", "text_en", "text_nl"):
        if not getattr(fields, name).strip():
            errors[name] = _("Fill this in, in English and in Dutch: employees read it in their own language.")
    if not errors:
        others = dimension.bands.exclude(pk=ignore.pk) if ignore is not None else dimension.bands.all()
        overlap = others.filter(lower__lte=fields.upper, upper__gte=fields.lower).first()
        if overlap is not None:
            errors["lower"] = _("This range overlaps %(lower)d–%(upper)d (%(label)s).") % {
                "lower": overlap.lower,
                "upper": overlap.upper,
                "label": overlap.label,
            }
    if errors:
        raise ValidationError(errors)


def _band_values(fields: BandFields) -> dict:
    return {
        "lower": fields.lower,
        "upper": fields.upper,
        "label_en": fields.label_en.strip(),
        "label_nl": fields.label_nl.strip(),
        "text_en": fields.text_en.strip(),
        "text_nl": fields.text_nl.strip(),
    }


@transaction.atomic
def band_add(*, actor: policy.Actor, dimension: Dimension, fields: BandFields) -> Band:
    _version, mapping = _editable(dimension.version, actor=actor)
    dimension = _target(mapping, dimension)
    _clean_band(fields, dimension)
    return Band.objects.create(dimension=dimension, **_band_values(fields))


@transaction.atomic
def band_update(*, actor: policy.Actor, band: Band, fields: BandFields) -> Band:
    _version, mapping = _editable(band.dimension.version, actor=actor)
    band = _target(mapping, band)
    _clean_band(fields, band.dimension, ignore=band)
    for name, value in _band_values(fields).items():
        setattr(band, name, value)
    band.save(update_fields=list(_band_values(fields)))
    return band


@transaction.atomic
def band_delete(*, actor: policy.Actor, band: Band) -> InstrumentVersion:
    version, mapping = _editable(band.dimension.version, actor=actor)
    _target(mapping, band).delete()
    return version
