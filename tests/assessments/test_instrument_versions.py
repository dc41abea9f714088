"""Building instruments: both languages, the rules of each kind of question, bands, reordering, and
versions: an instrument in use is frozen and editing it makes the next version."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import library
from assessments.models import Band, Dimension, Instrument, InstrumentVersion, Question
from assessments.services import assignments as assignment_services
from assessments.services import instruments as services
from assessments.services.instruments import BandFields, QuestionFields
from programmes.models import Phase


@pytest.fixture
def hr(world, actor):
    return actor(world.acme.hr, world.acme)


@pytest.fixture
def draft(world, hr, in_tenant):
    with in_tenant(world.acme):
        version = services.instrument_create(actor=hr, title_en="Team climate", title_nl="Teamklimaat")
        dimension = services.dimension_add(actor=hr, version=version, name_en="Trust", name_nl="Vertrouwen")
        services.band_add(actor=hr, dimension=dimension, fields=BandFields(0, 49, "Low", "Laag", "Ahead", "Verder"))
        for text in ("I trust my team.", "I can be myself here."):
            services.question_add(
                actor=hr,
                version=version,
                fields=QuestionFields(kind="likert5", text_en=text, text_nl=text + " (nl)", dimension=dimension),
            )
        return version


def likert(text, dimension=None, **extra):
    return QuestionFields(kind="likert5", text_en=text, text_nl=f"{text} (nl)", dimension=dimension, **extra)


def schedule(world, hr, version):
    today = timezone.localdate()
    phase = Phase.objects.filter(programme_id=world.acme.people["programme"], kind="individual").first()
    return assignment_services.phase_assessment_schedule(
        actor=hr, phase=phase, version=version, moment="midpoint", opens_on=today, due_on=today + timedelta(days=7)
    )


def test_an_instrument_needs_its_title_in_english_and_dutch(world, hr, in_tenant):
    with in_tenant(world.acme), pytest.raises(ValidationError) as raised:
        services.instrument_create(actor=hr, title_en="Climate", title_nl="  ")
    assert set(raised.value.message_dict) == {"title_nl"}


def test_editing_a_draft_changes_it_in_place(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        question = draft.questions.first()
        updated = services.question_update(
            actor=hr, question=question, fields=likert("I trust everyone here.", question.dimension)
        )
        assert updated.pk == question.pk and updated.version_id == draft.pk
        assert InstrumentVersion.objects.filter(instrument_id=draft.instrument_id).count() == 1


def test_editing_an_instrument_in_use_makes_the_next_version(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        schedule(world, hr, draft)
        old_question = draft.questions.get(position=1)
        updated = services.question_update(
            actor=hr,
            question=old_question,
            fields=likert("I trust everyone here.", old_question.dimension, reverse_scored=True),
        )
        new = updated.version
        assert new.number == 2 and new.is_latest and not new.is_frozen
        assert updated.text_en == "I trust everyone here." and updated.reverse_scored
        assert updated.dimension.version_id == new.pk  # the copied dimension, not the frozen one
        old_question.refresh_from_db()
        assert old_question.text_en == "I trust my team." and not old_question.reverse_scored
        draft.refresh_from_db()
        assert not draft.is_latest and draft.is_frozen
        assert list(new.dimensions.values_list("key", flat=True)) == list(
            draft.dimensions.values_list("key", flat=True)
        )
        assert Band.objects.filter(dimension__version=new).count() == 1
        assert new.questions.count() == 2


def test_further_edits_go_into_the_same_new_version(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        schedule(world, hr, draft)
        first = services.question_add(actor=hr, version=draft, fields=likert("I am heard."))
        second = services.question_add(actor=hr, version=first.version, fields=likert("I am seen."))
        assert first.version_id == second.version_id
        assert InstrumentVersion.objects.filter(instrument_id=draft.instrument_id).count() == 2


def test_an_older_version_cannot_be_edited(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        schedule(world, hr, draft)
        services.question_add(actor=hr, version=draft, fields=likert("I am heard."))
        with pytest.raises(ValidationError, match="older version"):
            services.question_add(actor=hr, version=draft, fields=likert("Again."))


def test_built_in_instruments_cannot_change_but_can_be_copied(world, hr, in_tenant):
    with in_tenant(world.acme):
        builtin = InstrumentVersion.objects.get(instrument__key="session-check-in")
        with pytest.raises(ValidationError, match="Built-in"):
            services.question_add(actor=hr, version=builtin, fields=likert("Extra"))
        copy = services.instrument_copy(actor=hr, version=builtin)
        assert not copy.instrument.is_builtin and copy.number == 1
        assert copy.questions.count() == builtin.questions.count()
        services.question_add(actor=hr, version=copy, fields=likert("Extra"))
        assert builtin.questions.count() == 3


def test_a_coach_changes_their_own_instruments_only(world, hr, draft, actor, in_tenant):
    coach = actor(world.acme.coach, world.acme)
    with in_tenant(world.acme):
        with pytest.raises(ValidationError, match="Only HR and the coach"):
            services.question_add(actor=coach, version=draft, fields=likert("Mine?"))
        own = services.instrument_create(actor=coach, title_en="Coach's own", title_nl="Eigen")
        assert services.question_add(actor=coach, version=own, fields=likert("Mine.")).position == 1
        assert services.question_add(actor=hr, version=own, fields=likert("HR too.")).position == 2


@pytest.mark.parametrize(
    "fields, field",
    [
        (QuestionFields(kind="choice", text_en="Pick", text_nl="Kies", choices=[("One", "Een", None)]), "choices"),
        (
            QuestionFields(
                kind="choice", text_en="Pick", text_nl="Kies", choices=[("One", "", None), ("Two", "Twee", None)]
            ),
            "choices",
        ),
        (QuestionFields(kind="text", text_en="Why?", text_nl="Waarom?", reverse_scored=True), "reverse_scored"),
        (QuestionFields(kind="likert5", text_en="Hm", text_nl="Hm", reverse_scored=True), "reverse_scored"),
        (QuestionFields(kind="likert7", text_en="", text_nl="Hm"), "text_en"),
        (QuestionFields(kind="likert5", text_en="Hm", text_nl="Hm", choices=[("a", "a", 1), ("b", "b", 2)]), "choices"),
        (QuestionFields(kind="sliders", text_en="Hm", text_nl="Hm"), "kind"),
    ],
)
def test_a_question_breaking_the_rules_of_its_kind_is_refused_naming_the_field(
    world, hr, draft, in_tenant, fields, field
):
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as raised:
            services.question_add(actor=hr, version=draft, fields=fields)
        assert field in raised.value.message_dict
        assert draft.questions.count() == 2


def test_a_scored_option_question_needs_two_different_scores(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        dimension = draft.dimensions.first()
        fields = QuestionFields(
            kind="choice", text_en="Pick", text_nl="Kies", dimension=dimension, choices=[("A", "A", 1), ("B", "B", 1)]
        )
        with pytest.raises(ValidationError, match="two different scores"):
            services.question_add(actor=hr, version=draft, fields=fields)
        fields.choices = [("A", "A", 0), ("B", "B", 3)]
        question = services.question_add(actor=hr, version=draft, fields=fields)
        assert list(question.choices.values_list("score", flat=True)) == [0, 3]


def test_a_dimension_of_another_instrument_is_refused(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        other = Dimension.objects.exclude(version=draft).first()
        with pytest.raises(ValidationError) as raised:
            services.question_add(actor=hr, version=draft, fields=likert("Hm", other))
        assert "dimension" in raised.value.message_dict


def test_an_overlapping_band_is_refused_naming_the_range_it_overlaps(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        dimension = draft.dimensions.first()
        with pytest.raises(ValidationError, match="0–49"):
            services.band_add(actor=hr, dimension=dimension, fields=BandFields(40, 100, "H", "H", "t", "t"))
        with pytest.raises(ValidationError) as raised:
            services.band_add(actor=hr, dimension=dimension, fields=BandFields(90, 60, "H", "H", "t", "t"))
        assert "upper" in raised.value.message_dict
        services.band_add(actor=hr, dimension=dimension, fields=BandFields(50, 100, "H", "H", "t", "t"))
        assert dimension.bands.count() == 2


def test_questions_move_up_and_down_and_deleting_closes_the_gap(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        third = services.question_add(actor=hr, version=draft, fields=likert("Third"))
        services.question_move(actor=hr, question=third, direction="up")
        assert list(draft.questions.values_list("text_en", flat=True)) == [
            "I trust my team.",
            "Third",
            "I can be myself here.",
        ]
        first = draft.questions.get(position=1)
        assert services.question_move(actor=hr, question=first, direction="up").position == 1
        services.question_delete(actor=hr, question=first)
        assert list(draft.questions.values_list("position", "text_en")) == [(1, "Third"), (2, "I can be myself here.")]
        with pytest.raises(ValidationError):
            services.question_move(actor=hr, question=third, direction="sideways")


def test_a_dimension_with_questions_cannot_be_deleted(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        with pytest.raises(ValidationError, match="2 question"):
            services.dimension_delete(actor=hr, dimension=draft.dimensions.first())


def test_an_unused_instrument_is_deleted_and_a_used_one_archived(world, hr, draft, in_tenant):
    with in_tenant(world.acme):
        assert services.instrument_remove(actor=hr, version=draft) is True
        assert not Instrument.objects.filter(pk=draft.instrument_id).exists()
        used = InstrumentVersion.objects.get(instrument__key="session-check-in")
        own = services.instrument_copy(actor=hr, version=used)
        schedule(world, hr, own)
        assert services.instrument_remove(actor=hr, version=own) is False
        assert Instrument.objects.get(pk=own.instrument_id).archived_at is not None


def test_every_organisation_has_the_built_in_library_in_both_languages(world, in_tenant):
    for org in (world.acme, world.globex):
        with in_tenant(org):
            keys = set(Instrument.objects.filter(is_builtin=True).values_list("key", flat=True))
            assert keys == {spec["key"] for spec in library.LIBRARY}
            for question in Question.objects.filter(version__instrument__is_builtin=True):
                assert question.text_en and question.text_nl and question.text_en != question.text_nl
            for band in Band.objects.filter(dimension__version__instrument__is_builtin=True):
                assert band.text_en and band.text_nl and band.label_en and band.label_nl
            check_in = Question.objects.filter(version__instrument__key="session-check-in", kind="scale10")
            assert check_in.count() == 2


def test_the_library_covers_every_score_with_a_band(world, in_tenant):
    with in_tenant(world.acme):
        for dimension in Dimension.objects.filter(version__instrument__is_builtin=True).prefetch_related("bands"):
            covered = set()
            for band in dimension.bands.all():
                covered.update(range(band.lower, band.upper + 1))
            assert covered == set(range(101)), dimension.key


def test_installing_the_library_again_adds_nothing(world, in_tenant):
    with in_tenant(world.acme):
        assert library.install() == 0
