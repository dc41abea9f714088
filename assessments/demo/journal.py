"""Demo content for the journal, run after the programmes, sessions and assessments demos: goals with their
options, decisions, actions (some overdue) and check-ins, the coach's comments, reflections (private and
shared, some answered), and for every session that has taken place the two-way feedback, the shared
summary and the coach's private note. Acme's content is in English, Globex's in Dutch.

Goals and reflections go through the same services as the pages, as the people themselves; dates are then
moved back so that the demo reads like weeks of use. Idempotent: goals and free reflections are written
once per person, and each held session is followed up once; without sessions that part is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assessments import read_audit
from assessments.models.journal import (
    ActionItem,
    CheckIn,
    CoachFeedback,
    Goal,
    Reflection,
    SessionFeedback,
    SessionNote,
    SessionSummary,
)
from assessments.services import feedback, goals, notes, reflections
from portal import policy
from programmes.models import Enrolment, Session
from tenants import demo as people
from tenants.models import Organisation, User

# Who takes part in the journal: most people, a few not yet (so HR's figures are not all-or-nothing).
QUIET = {4, 9, 17, 23, 24, 25}

CONTENT = {
    "en": {
        "goals": [
            (
                "Speak up in the weekly planning meeting",
                "My ideas about route planning get lost when I stay quiet, and then I am annoyed afterwards.",
                [
                    ("Prepare one point before each meeting", "Small and doable", "Only one point", 4, 5),
                    ("Ask the chair for a fixed slot on the agenda", "Guaranteed time", "Feels like a big ask", 4, 3),
                    ("Send my ideas by email afterwards", "Safe", "Nothing changes in the room", 2, 5),
                ],
                0,
                "I prepare one point for every Monday meeting and say it in the first half hour.",
                [
                    ("Write down one point before Monday's meeting", -20, True),
                    ("Ask Sam how my point came across", -4, False),
                    ("Bring up the route idea for the north region", 10, False),
                ],
                [
                    (20, "Said my point, voice shaking a little."),
                    (45, "Easier the second time. People asked questions."),
                ],
                "Good progress. What made the second time easier?",
            ),
            (
                "Give feedback within a week, not a month",
                "Waiting makes the conversation heavier for both of us.",
                [
                    ("A short weekly 1:1 with each team member", "Regular moments", "Takes time", 5, 3),
                    ("Use situation–behaviour–impact to prepare", "Clear and fair", "Feels formal at first", 4, 4),
                ],
                1,
                "",
                [
                    ("Book the first round of weekly 1:1s", -14, True),
                    ("Prepare feedback for Lars with the SBI steps", -3, False),
                    ("Ask the team what helps them hear feedback", 7, False),
                ],
                [(30, "Two conversations done, both went better than I feared.")],
                "Nice that you asked the team. What did they say?",
            ),
            (
                "Decide between the specialist track and the team-lead role",
                "I keep postponing this and it costs me energy every week.",
                [
                    ("Stay a specialist", "I love the content", "Less influence", 3, 5),
                    ("Apply for the team-lead role", "More influence", "Less time for the work I like", 4, 2),
                    ("Lead a small project first", "Try it without committing", "Extra work for a while", 5, 4),
                ],
                2,
                "I lead the Q3 warehouse project first, and decide in October.",
                [
                    ("Tell my manager I want to lead the Q3 project", -10, True),
                    ("Write down what energised me after each project week", 14, False),
                ],
                [(50, "Project started. I like the coordination more than I expected.")],
                "A wise way to test it. Keep the energy notes, we will use them.",
            ),
            (
                "Protect two mornings a week for focused work",
                "Everything urgent lands on me and the important things slip.",
                [("Block Tuesday and Thursday mornings", "Simple", "Others may ignore it", 4, 4)],
                None,
                "",
                [("Block the mornings in my calendar", -25, True), ("Tell the team why", -6, False)],
                [(60, "Tuesdays work, Thursdays get eaten by the stand-up.")],
                "",
            ),
        ],
        "reflections": [
            "Today I noticed how quickly I fill a silence in meetings. Next week I want to count to five before "
            "answering and see what others bring in.",
            "The role-play on feedback was uncomfortable, but it helped. I tend to soften the message until it "
            "disappears. Next time: one clear sentence, then ask how it lands.",
            "I realised I say yes to every request from the planning team. I want to agree with my manager which "
            "requests come first.",
            "Talking about my strengths felt strange. My coach pointed out that I explain complex things simply; "
            "I could use that more in handovers.",
            "I was tired today and it showed. Writing down the three things I can influence helped me let go of "
            "the rest.",
            "I notice I avoid conversations with one colleague. Next step: ask for fifteen minutes and start with "
            "what we both want.",
        ],
        "replies": [
            "Thank you for sharing this. What would counting to five change for you?",
            "That is a real insight. Let us look at it together next time.",
            "Well noticed. Which request would you say no to first?",
        ],
        "summary": "We looked back at the past weeks and agreed on one next step: {goal}. Before our next "
        "session you try it twice and note what happens.",
        "group_summary": "Today we practised giving feedback in pairs, using situation, behaviour and impact. "
        "Each of you chose one conversation to have before the next session.",
        "note": "Energy higher than last time. Watch for the pattern of taking on too much; ask about the "
        "conversation with the manager.",
        "coach_feedback": "You were open about what is hard for you, and you came with a concrete plan. Keep "
        "noting what you notice: it makes our sessions much more useful.",
        "ratings": [
            (5, "Very helpful, I left with a clear next step."),
            (4, "Good conversation, a bit rushed at the end."),
            (4, ""),
            (5, "The exercise on options really helped me decide."),
            (3, "Useful, but I would like more time for my own questions."),
        ],
    },
    "nl": {
        "goals": [
            (
                "Mijn inbreng geven in het wekelijkse planningsoverleg",
                "Mijn ideeën over de roosters verdwijnen als ik stil blijf, en daar baal ik achteraf van.",
                [
                    ("Vooraf één punt voorbereiden", "Klein en haalbaar", "Maar één punt", 4, 5),
                    (
                        "De voorzitter om een vast agendapunt vragen",
                        "Gegarandeerde tijd",
                        "Voelt als veel gevraagd",
                        4,
                        3,
                    ),
                    ("Mijn ideeën achteraf mailen", "Veilig", "Er verandert niets in het overleg", 2, 5),
                ],
                0,
                "Ik bereid voor elk maandagoverleg één punt voor en breng het in het eerste halfuur in.",
                [
                    ("Eén punt opschrijven voor het maandagoverleg", -20, True),
                    ("Aan Sem vragen hoe mijn punt overkwam", -4, False),
                    ("Het idee voor de avonddienst inbrengen", 10, False),
                ],
                [(20, "Mijn punt gemaakt, met een trillende stem."), (45, "De tweede keer ging makkelijker.")],
                "Mooie vooruitgang. Wat maakte de tweede keer makkelijker?",
            ),
            (
                "Binnen een week feedback geven, niet na een maand",
                "Wachten maakt het gesprek voor ons allebei zwaarder.",
                [
                    ("Een kort wekelijks gesprek met elk teamlid", "Vaste momenten", "Kost tijd", 5, 3),
                    ("Voorbereiden met situatie–gedrag–effect", "Helder en eerlijk", "Voelt eerst formeel", 4, 4),
                ],
                1,
                "",
                [
                    ("De eerste ronde wekelijkse gesprekken inplannen", -14, True),
                    ("Feedback voor Lars voorbereiden", -3, False),
                    ("Het team vragen wat helpt om feedback te horen", 7, False),
                ],
                [(30, "Twee gesprekken gevoerd, beter dan ik vreesde.")],
                "Goed dat je het team hebt gevraagd. Wat zeiden ze?",
            ),
            (
                "Kiezen tussen specialist blijven en teamleider worden",
                "Ik stel dit steeds uit en het kost me elke week energie.",
                [
                    ("Specialist blijven", "Ik houd van de inhoud", "Minder invloed", 3, 5),
                    ("Solliciteren als teamleider", "Meer invloed", "Minder tijd voor het vak", 4, 2),
                    ("Eerst een klein project leiden", "Uitproberen zonder vast te zitten", "Even extra werk", 5, 4),
                ],
                2,
                "Ik leid eerst het project op de afdeling in het derde kwartaal en beslis in oktober.",
                [
                    ("Mijn leidinggevende vertellen dat ik het project wil leiden", -10, True),
                    ("Na elke projectweek opschrijven wat me energie gaf", 14, False),
                ],
                [(50, "Project gestart. Het coördineren bevalt beter dan ik dacht.")],
                "Een verstandige manier om het te toetsen. Houd de aantekeningen bij.",
            ),
            (
                "Twee ochtenden per week vrijhouden voor geconcentreerd werk",
                "Al het dringende komt bij mij terecht en het belangrijke schuift op.",
                [("Dinsdag- en donderdagochtend blokkeren", "Eenvoudig", "Anderen negeren het misschien", 4, 4)],
                None,
                "",
                [("De ochtenden in mijn agenda blokkeren", -25, True), ("Het team uitleggen waarom", -6, False)],
                [(60, "Dinsdag lukt, donderdag gaat op aan de overdracht.")],
                "",
            ),
        ],
        "reflections": [
            "Vandaag merkte ik hoe snel ik een stilte opvul in overleggen. Volgende week tel ik tot vijf voordat "
            "ik antwoord, en kijk ik wat anderen inbrengen.",
            "Het rollenspel over feedback was ongemakkelijk, maar het hielp. Ik verzacht de boodschap tot hij "
            "verdwijnt. Volgende keer: één heldere zin, en dan vragen hoe het overkomt.",
            "Ik besefte dat ik ja zeg tegen elk verzoek van de planning. Ik wil met mijn leidinggevende afspreken "
            "wat voorgaat.",
            "Praten over mijn sterke kanten voelde vreemd. Mijn coach wees erop dat ik ingewikkelde dingen "
            "eenvoudig uitleg; dat kan ik bij overdrachten meer gebruiken.",
            "Ik was moe vandaag en dat was te merken. Opschrijven waar ik invloed op heb, hielp me de rest los "
            "te laten.",
            "Ik merk dat ik gesprekken met één collega ontwijk. Volgende stap: om een kwartier vragen en beginnen "
            "met wat we allebei willen.",
        ],
        "replies": [
            "Dank je voor het delen. Wat zou tot vijf tellen voor je veranderen?",
            "Dat is een echt inzicht. Laten we er de volgende keer samen naar kijken.",
            "Goed opgemerkt. Tegen welk verzoek zou je als eerste nee zeggen?",
        ],
        "summary": "We keken terug op de afgelopen weken en spraken één volgende stap af: {goal}. Voor onze "
        "volgende sessie probeer je het twee keer en noteer je wat er gebeurt.",
        "group_summary": "Vandaag oefenden we in tweetallen met feedback geven: situatie, gedrag en effect. "
        "Ieder koos één gesprek om voor de volgende sessie te voeren.",
        "note": "Meer energie dan vorige keer. Let op het patroon van te veel op je nemen; vragen naar het "
        "gesprek met de leidinggevende.",
        "coach_feedback": "Je was open over wat lastig voor je is en kwam met een concreet plan. Blijf "
        "opschrijven wat je opvalt: dat maakt onze sessies veel waardevoller.",
        "ratings": [
            (5, "Heel behulpzaam, ik ging weg met een duidelijke volgende stap."),
            (4, "Goed gesprek, aan het eind wat gehaast."),
            (4, ""),
            (5, "De oefening met de opties hielp me echt kiezen."),
            (3, "Nuttig, maar ik wil meer tijd voor mijn eigen vragen."),
        ],
    },
}


def _number(user: User, spec: dict) -> int | None:
    local = user.email.split("@")[0]
    digits = local[len(spec["employee_prefix"]) :]
    return int(digits) if local.startswith(spec["employee_prefix"]) and digits.isdigit() else None


def seed(organisation: Organisation) -> None:
    """Run in the organisation's schema (tenants.demo.seed_content)."""
    spec = next((s for s in people.ORGANISATIONS if s["slug"] == organisation.slug), None)
    if spec is None:
        return
    content = CONTENT.get(organisation.default_language, CONTENT["en"])
    enrolments = list(
        Enrolment.objects.filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])
        .select_related("employee", "coach")
        .order_by("employee_id", "-created_at")
    )
    taking_part = {}
    for enrolment in enrolments:  # one (the newest) enrolment per person
        number = _number(enrolment.employee, spec)
        if number is not None and number not in QUIET and enrolment.employee_id not in taking_part:
            taking_part[enrolment.employee_id] = (number, enrolment)
    if not taking_part:
        return
    started = set(Goal.objects.filter(employee_id__in=taking_part).values_list("employee_id", flat=True))
    for employee_id, (number, enrolment) in taking_part.items():
        if employee_id not in started:
            _journal(organisation, content, number, enrolment)
    _follow_up_sessions(organisation, content, taking_part)


def _backdate(model, pk: int, days: int) -> None:
    moment = timezone.now() - timedelta(days=days, hours=pk % 7)
    fields = {"created_at": moment}
    if any(field.name == "updated_at" for field in model._meta.fields):
        fields["updated_at"] = moment
    model.objects.filter(pk=pk).update(**fields)


def _journal(organisation: Organisation, content: dict, number: int, enrolment: Enrolment) -> None:
    """One person's goals and free reflections, and their coach's comments and replies."""
    employee = policy.actor_for(enrolment.employee, organisation)
    coach_user = enrolment.coach
    coach = policy.actor_for(coach_user, organisation) if coach_user else None
    today = timezone.localdate()
    # Two goals each, picked by number so people differ; every third person shares one goal's progress.
    for index in (number % 4, (number + 1) % 4):
        title, why, options, chosen, decision, actions, check_ins, comment = content["goals"][index]
        goal = goals.goal_create(actor=employee, title=title, why=why, target_date=today + timedelta(days=60 + number))
        made = [
            goals.option_add(actor=employee, goal=goal, title=o[0], pros=o[1], cons=o[2], impact=o[3], feasibility=o[4])
            for o in options
        ]
        if chosen is not None and decision:
            goals.goal_decide(actor=employee, goal=goal, option=made[chosen], decision=decision)
        for action_title, due_in, done in actions:
            action = goals.action_add(
                actor=employee, goal=goal, title=action_title, due_on=today + timedelta(days=max(due_in, 0))
            )
            if due_in < 0:  # set weeks ago, so now past its date
                ActionItem.objects.filter(pk=action.pk).update(due_on=today + timedelta(days=due_in))
            if done or (due_in < 0 and number % 3 == 0):
                goals.action_set_done(actor=employee, action=action, done=True)
        for step, (progress, note) in enumerate(check_ins):
            check_in = goals.check_in_create(
                actor=employee, goal=goal, progress=min(100, progress + number % 5 * 5), note=note
            )
            _backdate(CheckIn, check_in.pk, 21 - 10 * step)
        if comment and coach is not None:
            goals.comment_add(actor=coach, goal=goal, body=comment)
        if index == number % 4 and number % 3 == 1:
            goals.goal_sharing_set(actor=employee, goal=goal, shared=True)
        _backdate(Goal, goal.pk, 35 - number % 10)
        if coach is not None:
            read_audit.record_read(actor=coach, owner=enrolment.employee_id, kind="goal", object_id=goal.pk)
    for offset in range(2):
        body = content["reflections"][(number + offset * 3) % len(content["reflections"])]
        shared = (number + offset) % 2 == 0
        reflection = reflections.reflection_create(actor=employee, body=body, shared_with_coach=shared)
        _backdate(Reflection, reflection.pk, 3 + 9 * offset + number % 4)
        if shared and coach is not None:
            if offset == 0:
                reflections.reflection_reply(
                    actor=coach, reflection=reflection, body=content["replies"][number % len(content["replies"])]
                )
            read_audit.record_read(actor=coach, owner=enrolment.employee_id, kind="reflection", object_id=reflection.pk)


def _follow_up_sessions(organisation: Organisation, content: dict, taking_part: dict) -> None:
    """Every held session without a summary yet: the coach's summary, note and feedback, the ratings."""
    held = (
        Session.objects.filter(starts_at__lt=timezone.now() - timedelta(hours=2))
        .exclude(status=Session.Status.CANCELLED)
        .exclude(pk__in=SessionSummary.objects.values("session_id"))
        .select_related("enrolment", "coach")
        .order_by("starts_at")
    )
    for session in held:
        coach = policy.actor_for(session.coach, organisation)
        if not coach.is_coach:
            continue
        if session.kind == Session.Kind.INDIVIDUAL:
            participants = [session.enrolment.employee_id]
            goal = Goal.objects.filter(employee_id=session.enrolment.employee_id).order_by("pk").first()
            summary = content["summary"].format(goal=goal.title.lower() if goal else "…")
        else:
            participants = list(
                Enrolment.objects.filter(cohort_id=session.cohort_id)
                .exclude(status=Enrolment.Status.WITHDRAWN)
                .values_list("employee_id", flat=True)
            )
            summary = content["group_summary"]
        notes.session_summary_save(actor=coach, session=session, body=summary)
        notes.session_note_save(actor=coach, session=session, body=content["note"])
        for position, employee_id in enumerate(participants):
            if employee_id not in taking_part:
                continue
            number = taking_part[employee_id][0]
            employee = policy.actor_for(taking_part[employee_id][1].employee, organisation)
            if (number + position) % 4 != 3:  # most rate the session
                rating, comment = content["ratings"][(number + session.pk) % len(content["ratings"])]
                feedback.session_feedback_give(actor=employee, session=session, rating=rating, comment=comment)
            if session.kind == Session.Kind.INDIVIDUAL or position < 3:
                feedback.coach_feedback_give(
                    actor=coach, session=session, employee_id=employee_id, body=content["coach_feedback"]
                )
            if session.kind == Session.Kind.INDIVIDUAL and number % 2 == 0:
                reflection = reflections.reflection_create(
                    actor=employee,
                    session=session,
                    shared_with_coach=number % 4 == 0,
                    body=content["reflections"][(number + session.pk) % len(content["reflections"])],
                )
                Reflection.objects.filter(pk=reflection.pk).update(
                    created_at=session.starts_at + timedelta(hours=3), updated_at=session.starts_at + timedelta(hours=3)
                )
    # Ratings, feedback and notes were written right after each session.
    for model in (SessionFeedback, CoachFeedback, SessionNote, SessionSummary):
        just_written = model.objects.filter(created_at__gte=timezone.now() - timedelta(minutes=5))
        for row in just_written.select_related("session"):
            model.objects.filter(pk=row.pk).update(created_at=row.session.starts_at + timedelta(hours=2))
