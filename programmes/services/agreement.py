"""The coaching agreement: HR publishes versions of its text, employees accept the current one before
their first session, and the acceptance is recorded with the version that was read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import policy
from portal.policy import Actor
from programmes.models import Agreement, AgreementAcceptance
from programmes.selectors.enrolment import agreement_current
from programmes.services.enrolment import enrolments_activate

# Until HR publishes its own text, employees read and accept this one (stored as version 1 when the
# first person accepts it). It is content, not interface text: one version per organisation language.
DEFAULT_TEXT = {
    "en": """\
Coaching works when you can speak freely. This agreement sets out who sees what, so that you know where \
you stand before your first session.

What you and your coach discuss stays between the two of you. Your coach keeps private notes that only \
your coach can read. A summary your coach shares with you is seen by you and your coach only.

What you will see: your sessions, your session credits, your assessments and their results, your \
reflections, your goals and actions, and every time someone other than you opened your personal coaching \
data.

What your coach will see: your profile (department, job title and manager), your enrolment, sessions, \
attendance and credits, your assessment answers and scores, the goals and actions you work on together, \
and only those reflections you choose to share.

What HR will see: that you are enrolled, your cohort and coach, your session dates, attendance and use of \
credits, and progress on goals only if you choose to share them. Scores, ratings and feedback reach HR \
only as figures for a group of at least five people, never as your answers. HR never sees what you \
discuss, your reflections or your coach's notes.

The limits of confidentiality: your coach will break confidentiality only when there is a serious risk \
of harm to you or to someone else, or when the law requires it. Where possible, your coach will talk to \
you first about what will be shared, with whom and why.

Your part: you come to sessions prepared, you let your coach know in time when you cannot make it \
(a late cancellation or a missed session uses a credit), and you own the goals you set. You can stop the \
coaching at any time; tell your coach or HR.
""",
    "nl": """\
Coaching werkt als je vrijuit kunt praten. In deze afspraken staat wie wat ziet, zodat je weet waar je \
aan toe bent vóór je eerste sessie.

Wat je met je coach bespreekt, blijft tussen jullie twee. Je coach houdt eigen aantekeningen bij die \
alleen je coach kan lezen. Een samenvatting die je coach met je deelt, zien alleen jij en je coach.

Wat jij ziet: je sessies, je tegoed aan sessies, je vragenlijsten en hun uitkomsten, je reflecties, je \
doelen en acties, en elke keer dat iemand anders dan jij je persoonlijke coachinggegevens heeft geopend.

Wat je coach ziet: je profiel (afdeling, functie en leidinggevende), je inschrijving, sessies, aanwezigheid \
en tegoed, je antwoorden en scores op vragenlijsten, de doelen en acties waar jullie samen aan werken, en \
alleen de reflecties die jij kiest te delen.

Wat HR ziet: dat je bent ingeschreven, je groep en je coach, de data van je sessies, je aanwezigheid en \
het gebruik van je tegoed, en de voortgang van doelen alleen als jij ervoor kiest die te delen. Scores, \
beoordelingen en feedback bereiken HR alleen als cijfers over een groep van minstens vijf mensen, nooit \
als jouw antwoorden. HR ziet nooit wat je bespreekt, je reflecties of de aantekeningen van je coach.

De grenzen van vertrouwelijkheid: je coach doorbreekt de vertrouwelijkheid alleen bij een ernstig risico \
op schade voor jou of een ander, of als de wet dat eist. Waar het kan, bespreekt je coach eerst met jou \
wat er wordt gedeeld, met wie en waarom.

Jouw inbreng: je komt voorbereid naar de sessies, je laat het je coach op tijd weten als je niet kunt \
(bij te laat afzeggen of wegblijven vervalt een sessie van je tegoed), en je bent eigenaar van de doelen \
die je stelt. Je kunt op elk moment stoppen met de coaching; laat het je coach of HR weten.
""",
}


def default_text(language: str) -> str:
    return DEFAULT_TEXT.get(language, DEFAULT_TEXT["en"])


def agreement_in_force(*, actor: Actor) -> tuple[str, int, Agreement | None]:
    """The text in force, its version (0: the default text, not yet stored) and the Agreement (or None)."""
    current = agreement_current(actor=actor)
    if current is None:
        return default_text(actor.organisation.default_language), 0, None
    return current.body, current.version, current


def normalised_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().replace("\r\n", "\n").split("\n"))


@transaction.atomic
def agreement_publish(*, actor: Actor, body: str) -> Agreement:
    """HR saves the text as a new version; everyone accepts it again before their next booking."""
    policy.require(actor, policy.HR_MANAGER)
    body = normalised_text(body)
    if not body:
        raise ValidationError({"body": _("Write the text of the agreement.")})
    current = Agreement.objects.select_for_update().order_by("-version").first()
    if current is not None and normalised_text(current.body) == body:
        raise ValidationError({"body": _("The text is the same as the current version; nothing was published.")})
    try:
        with transaction.atomic():
            return Agreement.objects.create(
                version=(current.version + 1) if current else 1, body=body, created_by=actor.user
            )
    except IntegrityError:
        raise ValidationError(_("Someone published a new version at the same moment. Reload and try again.")) from None


@transaction.atomic
def agreement_accept(*, actor: Actor, version: int) -> AgreementAcceptance:
    """An employee accepts the version they read (0: the default text, before HR published one).

    Accepting is their commitment to the programme: invited enrolments become active.
    """
    policy.require(actor, policy.EMPLOYEE)
    current = Agreement.objects.order_by("-version").first()
    if current is None and version == 0:
        current, _created = Agreement.objects.get_or_create(
            version=1, defaults={"body": default_text(actor.organisation.default_language)}
        )
    # Someone who read the default text accepts version 1 only if that is still the default text.
    read_default_and_still_default = (
        current is not None and version == 0 and current.version == 1 and current.created_by_id is None
    )
    if current is None or (current.version != version and not read_default_and_still_default):
        raise ValidationError(_("The agreement changed while you were reading it. Please read the new version."))
    acceptance, _created = AgreementAcceptance.objects.get_or_create(agreement=current, user=actor.user)
    enrolments_activate(user=actor.user)
    return acceptance
