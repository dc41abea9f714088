"""The built-in instruments every organisation starts with, written for this portal.

They are loaded into each organisation's schema by a data migration (new organisations are cloned from
the migrated template schema, so they arrive with them). `install` takes the model classes to use, so the
migration can pass its historical models; it adds what is missing and never touches what exists.

Each question is (dimension key or None, kind, English, Dutch, reverse-scored). Bands are (lower, upper,
label en, label nl, text en, text nl): what lies ahead for someone who scores in that range.
"""

from __future__ import annotations

from types import SimpleNamespace

from assessments import models as current_models

LIKERT_5 = "likert5"
LIKERT_7 = "likert7"
SCALE_10 = "scale10"
CHOICE = "choice"
TEXT = "text"
R = True  # reverse-scored

_AGREE_5 = {
    "low_label_en": "Strongly disagree",
    "low_label_nl": "Helemaal mee oneens",
    "high_label_en": "Strongly agree",
    "high_label_nl": "Helemaal mee eens",
}

SELF_CONFIDENCE = {
    "key": "self-confidence-at-work",
    "title_en": "Self-confidence at work",
    "title_nl": "Zelfvertrouwen op het werk",
    "description_en": "How sure you feel of yourself in your work: speaking up, trusting what you can do, "
    "getting back up after a setback and saying where your limits are. There are no right "
    "or wrong answers; answer for how things usually are, not how you would like them to be.",
    "description_nl": "Hoe zeker je je voelt in je werk: je stem laten horen, vertrouwen op wat je kunt, "
    "weer opkrabbelen na een tegenvaller en aangeven waar je grenzen liggen. Er zijn geen "
    "goede of foute antwoorden; antwoord zoals het meestal gaat, niet zoals je het zou willen.",
    "dimensions": [
        {
            "key": "voice",
            "name_en": "Speaking up",
            "name_nl": "Je stem laten horen",
            "description_en": "Saying what you think, also when others may disagree.",
            "description_nl": "Zeggen wat je denkt, ook als anderen het er misschien niet mee eens zijn.",
            "bands": [
                (
                    0,
                    39,
                    "Room to grow",
                    "Groeiruimte",
                    "You often keep your view to yourself. In the programme you will practise putting one idea "
                    "into words in a safe setting first, and then in a meeting that matters to you.",
                    "Je houdt je mening vaak voor je. In het traject oefen je eerst in een veilige setting om één "
                    "idee onder woorden te brengen, en daarna in een overleg dat voor jou telt.",
                ),
                (
                    40,
                    69,
                    "Steady ground",
                    "Stevige basis",
                    "You speak up when you feel sure of your ground. Next you will work on the moments you still "
                    "hold back: disagreement with someone senior, or an idea that is not finished yet.",
                    "Je laat je horen als je je zeker voelt. Nu werk je aan de momenten waarop je je nog inhoudt: "
                    "tegenspraak naar iemand hogerop, of een idee dat nog niet af is.",
                ),
                (
                    70,
                    100,
                    "A strength",
                    "Sterk punt",
                    "You say what you think, also when it is uncomfortable. The programme helps you use that "
                    "strength to make room for quieter colleagues.",
                    "Je zegt wat je denkt, ook als het ongemakkelijk is. Het traject helpt je die kracht te "
                    "gebruiken om ruimte te maken voor stillere collega's.",
                ),
            ],
        },
        {
            "key": "capability",
            "name_en": "Trust in your abilities",
            "name_nl": "Vertrouwen in je kunnen",
            "description_en": "Believing you can handle the work in front of you, including new tasks.",
            "description_nl": "Erop vertrouwen dat je het werk aankunt, ook nieuwe taken.",
            "bands": [
                (
                    0,
                    39,
                    "Room to grow",
                    "Groeiruimte",
                    "You tend to doubt whether you are up to the job. Together with your coach you will collect "
                    "evidence of what you already do well and take on one stretching task with support.",
                    "Je twijfelt vaak of je het werk aankunt. Met je coach verzamel je bewijs van wat je al goed "
                    "doet en pak je met steun één uitdagende taak op.",
                ),
                (
                    40,
                    69,
                    "Steady ground",
                    "Stevige basis",
                    "You trust yourself in familiar work. Next you will look at unfamiliar tasks: what makes you "
                    "hesitate, and what would let you start anyway.",
                    "In vertrouwd werk vertrouw je op jezelf. Nu kijk je naar onbekende taken: waardoor aarzel je, "
                    "en wat helpt je toch te beginnen?",
                ),
                (
                    70,
                    100,
                    "A strength",
                    "Sterk punt",
                    "You trust your abilities, also in new situations. The programme helps you keep that trust "
                    "realistic and ask for help in good time.",
                    "Je vertrouwt op je kunnen, ook in nieuwe situaties. Het traject helpt je dat vertrouwen "
                    "realistisch te houden en op tijd om hulp te vragen.",
                ),
            ],
        },
        {
            "key": "setbacks",
            "name_en": "Handling setbacks",
            "name_nl": "Omgaan met tegenslag",
            "description_en": "Getting back on track after a mistake, criticism or a disappointment.",
            "description_nl": "Weer op koers komen na een fout, kritiek of een teleurstelling.",
            "bands": [
                (
                    0,
                    39,
                    "Room to grow",
                    "Groeiruimte",
                    "A setback stays with you for a long time. In the programme you will learn to separate what "
                    "happened from what it says about you, and to plan the next small step.",
                    "Een tegenvaller blijft lang aan je hangen. In het traject leer je te scheiden wat er gebeurde "
                    "van wat het over jou zegt, en de volgende kleine stap te plannen.",
                ),
                (
                    40,
                    69,
                    "Steady ground",
                    "Stevige basis",
                    "You recover from most setbacks, though some take longer. You will work out which ones, and "
                    "build a routine for the day after.",
                    "Van de meeste tegenvallers herstel je, al duren sommige langer. Je zoekt uit welke dat zijn en "
                    "bouwt een vaste aanpak voor de dag erna.",
                ),
                (
                    70,
                    100,
                    "A strength",
                    "Sterk punt",
                    "You bounce back well. The programme helps you turn setbacks into lessons you can share with "
                    "your team.",
                    "Je veert goed terug. Het traject helpt je tegenvallers om te zetten in lessen die je met je "
                    "team kunt delen.",
                ),
            ],
        },
        {
            "key": "boundaries",
            "name_en": "Setting boundaries",
            "name_nl": "Grenzen aangeven",
            "description_en": "Saying no, or not now, and asking for what you need.",
            "description_nl": "Nee of niet nu zeggen, en vragen om wat je nodig hebt.",
            "bands": [
                (
                    0,
                    39,
                    "Room to grow",
                    "Groeiruimte",
                    "You find it hard to say no or to ask for what you need. You will practise a few ways of "
                    "saying not now that feel like your own.",
                    "Nee zeggen of vragen om wat je nodig hebt vind je lastig. Je oefent een paar manieren om "
                    "niet nu te zeggen die bij jou passen.",
                ),
                (
                    40,
                    69,
                    "Steady ground",
                    "Stevige basis",
                    "You can set limits when the pressure is low. Next you will look at the busy weeks, when your "
                    "boundaries slip.",
                    "Als de druk laag is, kun je grenzen stellen. Nu kijk je naar de drukke weken, waarin je "
                    "grenzen verschuiven.",
                ),
                (
                    70,
                    100,
                    "A strength",
                    "Sterk punt",
                    "You guard your limits clearly and kindly. The programme helps you keep doing so as your role "
                    "grows.",
                    "Je bewaakt je grenzen duidelijk en vriendelijk. Het traject helpt je dat vol te houden als je "
                    "rol groeit.",
                ),
            ],
        },
    ],
    "questions": [
        (
            "voice",
            LIKERT_5,
            "In meetings I say what I think, even when I expect disagreement.",
            "In overleggen zeg ik wat ik denk, ook als ik tegenspraak verwacht.",
            False,
        ),
        (
            "capability",
            LIKERT_5,
            "When I get a new task, I trust that I will work out how to do it.",
            "Als ik een nieuwe taak krijg, vertrouw ik erop dat ik uitvind hoe het moet.",
            False,
        ),
        (
            "setbacks",
            LIKERT_5,
            "After a mistake I can pick up my work again the same day.",
            "Na een fout kan ik dezelfde dag weer aan het werk.",
            False,
        ),
        (
            "boundaries",
            LIKERT_5,
            "I can turn down a request when my workload is already full.",
            "Ik kan een verzoek afslaan als mijn werk al vol zit.",
            False,
        ),
        (
            "voice",
            LIKERT_5,
            "I keep my ideas to myself because others probably know better.",
            "Ik houd mijn ideeën voor me, omdat anderen het waarschijnlijk beter weten.",
            R,
        ),
        (
            "capability",
            LIKERT_5,
            "I worry that others will find out I am less capable than they think.",
            "Ik ben bang dat anderen ontdekken dat ik minder kan dan ze denken.",
            R,
        ),
        (
            "setbacks",
            LIKERT_5,
            "Critical feedback stays on my mind for days.",
            "Kritische feedback blijft dagenlang door mijn hoofd gaan.",
            R,
        ),
        (
            "boundaries",
            LIKERT_5,
            "I tell my manager when I need something to do my work well.",
            "Ik zeg het tegen mijn leidinggevende als ik iets nodig heb om mijn werk goed te doen.",
            False,
        ),
        (
            "voice",
            LIKERT_5,
            "I ask questions when something is unclear to me, also in a large group.",
            "Ik stel vragen als iets mij niet duidelijk is, ook in een grote groep.",
            False,
        ),
        (
            "capability",
            LIKERT_5,
            "I know which of my skills my team relies on.",
            "Ik weet op welke van mijn vaardigheden mijn team rekent.",
            False,
        ),
        (
            "setbacks",
            LIKERT_5,
            "When a plan fails, I look for what I can learn from it.",
            "Als een plan mislukt, zoek ik naar wat ik ervan kan leren.",
            False,
        ),
        (
            "boundaries",
            LIKERT_5,
            "I agree to extra work even when I know I cannot fit it in.",
            "Ik zeg ja tegen extra werk, ook als ik weet dat het er niet bij past.",
            R,
        ),
        (
            "voice",
            LIKERT_5,
            "I can disagree with someone more senior without feeling anxious.",
            "Ik kan het oneens zijn met iemand hogerop zonder me angstig te voelen.",
            False,
        ),
        (
            "capability",
            LIKERT_5,
            "I put off tasks because I doubt I can do them well.",
            "Ik stel taken uit omdat ik twijfel of ik ze goed kan.",
            R,
        ),
        (
            "setbacks",
            LIKERT_5,
            "A disappointment at work makes me doubt myself as a whole.",
            "Een teleurstelling op het werk laat me aan mezelf als geheel twijfelen.",
            R,
        ),
        (
            "boundaries",
            LIKERT_5,
            "I protect time for my own priorities in my calendar.",
            "Ik houd in mijn agenda tijd vrij voor mijn eigen prioriteiten.",
            False,
        ),
        (
            None,
            TEXT,
            "What would you do differently at work if you felt completely sure of yourself?",
            "Wat zou je op je werk anders doen als je je helemaal zeker voelde?",
            False,
        ),
    ],
}

_AGREE_7 = {
    "low_label_en": "Completely disagree",
    "low_label_nl": "Volledig mee oneens",
    "high_label_en": "Completely agree",
    "high_label_nl": "Volledig mee eens",
}

READINESS_FOR_CHANGE = {
    "key": "readiness-for-change",
    "title_en": "Readiness for change",
    "title_nl": "Klaar voor verandering",
    "description_en": "Where you stand with the changes in your work: how open you are to them, whether you "
    "see their point, how sure you are you can adapt, and how supported you feel.",
    "description_nl": "Waar je staat bij de veranderingen in je werk: hoe open je ervoor staat, of je het nut "
    "ervan ziet, hoe zeker je bent dat je mee kunt bewegen en hoeveel steun je ervaart.",
    "dimensions": [
        {
            "key": "openness",
            "name_en": "Openness",
            "name_nl": "Openheid",
            "description_en": "Curiosity about new ways of working rather than a wish to keep things as they are.",
            "description_nl": "Nieuwsgierigheid naar nieuwe manieren van werken in plaats van alles zo willen houden.",
            "bands": [
                (
                    0,
                    39,
                    "Holding on",
                    "Vasthouden",
                    "Change mostly feels like a loss right now. Your coach will first help you name what you want "
                    "to keep, so that there is room to look at what could be gained.",
                    "Verandering voelt nu vooral als verlies. Je coach helpt je eerst te benoemen wat je wilt "
                    "behouden, zodat er ruimte komt om te kijken wat het kan opleveren.",
                ),
                (
                    40,
                    69,
                    "Weighing it up",
                    "Afwegen",
                    "You are open to change but want to see it work first. In the programme you will try one new "
                    "way of working in a small, safe way.",
                    "Je staat open voor verandering, maar wilt eerst zien dat het werkt. In het traject probeer je "
                    "één nieuwe werkwijze op kleine, veilige schaal uit.",
                ),
                (
                    70,
                    100,
                    "Ready to move",
                    "Klaar om te bewegen",
                    "You welcome new ways of working. The programme helps you bring colleagues along who need more "
                    "time.",
                    "Je verwelkomt nieuwe manieren van werken. Het traject helpt je collega's mee te nemen die meer "
                    "tijd nodig hebben.",
                ),
            ],
        },
        {
            "key": "purpose",
            "name_en": "Seeing the purpose",
            "name_nl": "Het nut zien",
            "description_en": "Understanding why the change is happening and what it means for your work.",
            "description_nl": "Begrijpen waarom de verandering er komt en wat die betekent voor je werk.",
            "bands": [
                (
                    0,
                    39,
                    "Unclear",
                    "Onduidelijk",
                    "The reasons for the change are not clear to you yet. You will work out with your coach which "
                    "questions you want answered, and whom to ask.",
                    "De redenen voor de verandering zijn je nog niet duidelijk. Met je coach zoek je uit welke "
                    "vragen je beantwoord wilt hebben, en aan wie je ze stelt.",
                ),
                (
                    40,
                    69,
                    "Partly clear",
                    "Deels duidelijk",
                    "You see the broad lines but not yet what it means for your own work. You will translate the "
                    "change into two or three concrete consequences for your role.",
                    "Je ziet de grote lijn, maar nog niet wat het voor je eigen werk betekent. Je vertaalt de "
                    "verandering naar twee of drie concrete gevolgen voor jouw rol.",
                ),
                (
                    70,
                    100,
                    "Clear",
                    "Duidelijk",
                    "You understand why the change matters. The programme helps you explain it in your own words to "
                    "others.",
                    "Je begrijpt waarom de verandering ertoe doet. Het traject helpt je die in je eigen woorden aan "
                    "anderen uit te leggen.",
                ),
            ],
        },
        {
            "key": "adapt",
            "name_en": "Confidence to adapt",
            "name_nl": "Vertrouwen om mee te bewegen",
            "description_en": "Trusting that you can learn what the new situation asks of you.",
            "description_nl": "Erop vertrouwen dat je kunt leren wat de nieuwe situatie van je vraagt.",
            "bands": [
                (
                    0,
                    39,
                    "Unsure",
                    "Onzeker",
                    "You doubt whether you can keep up. The programme starts with the skills the change asks for "
                    "and a plan to learn them one at a time.",
                    "Je twijfelt of je het bij kunt houden. Het traject begint bij de vaardigheden die de "
                    "verandering vraagt, met een plan om ze één voor één te leren.",
                ),
                (
                    40,
                    69,
                    "Getting there",
                    "Op weg",
                    "You expect to manage, with some effort. You will pick the one skill that would make the "
                    "biggest difference and practise it between sessions.",
                    "Je verwacht dat het lukt, met wat moeite. Je kiest de vaardigheid die het meeste verschil "
                    "maakt en oefent die tussen de sessies door.",
                ),
                (
                    70,
                    100,
                    "Confident",
                    "Zelfverzekerd",
                    "You are confident you can adapt. The programme helps you take on a leading part in the change.",
                    "Je bent ervan overtuigd dat je mee kunt bewegen. Het traject helpt je een voortrekkersrol te "
                    "nemen in de verandering.",
                ),
            ],
        },
        {
            "key": "support",
            "name_en": "Feeling supported",
            "name_nl": "Steun ervaren",
            "description_en": "Knowing where to go for help, information and a listening ear.",
            "description_nl": "Weten waar je terechtkunt voor hulp, informatie en een luisterend oor.",
            "bands": [
                (
                    0,
                    39,
                    "On your own",
                    "Er alleen voor staan",
                    "You feel you are facing the change alone. Your coach will help you map who could support you "
                    "and how to ask.",
                    "Je hebt het gevoel dat je er alleen voor staat. Je coach helpt je in kaart te brengen wie je "
                    "kan steunen en hoe je daarom vraagt.",
                ),
                (
                    40,
                    69,
                    "Some support",
                    "Enige steun",
                    "You have some support but not always when you need it. You will agree with your manager how "
                    "and when you can raise questions.",
                    "Je hebt wat steun, maar niet altijd als je die nodig hebt. Je spreekt met je leidinggevende af "
                    "hoe en wanneer je vragen kunt stellen.",
                ),
                (
                    70,
                    100,
                    "Well supported",
                    "Goed gesteund",
                    "You know where to turn. The programme helps you be that support for others.",
                    "Je weet waar je terechtkunt. Het traject helpt je die steun ook voor anderen te zijn.",
                ),
            ],
        },
    ],
    "questions": [
        (
            "openness",
            LIKERT_7,
            "I am curious about the new ways of working that are coming.",
            "Ik ben nieuwsgierig naar de nieuwe manieren van werken die eraan komen.",
            False,
        ),
        (
            "purpose",
            LIKERT_7,
            "I understand why my organisation is making these changes.",
            "Ik begrijp waarom mijn organisatie deze veranderingen doorvoert.",
            False,
        ),
        (
            "adapt",
            LIKERT_7,
            "I am confident I can learn what the new situation asks of me.",
            "Ik heb er vertrouwen in dat ik kan leren wat de nieuwe situatie van mij vraagt.",
            False,
        ),
        (
            "support",
            LIKERT_7,
            "I know whom to ask when the changes raise questions for me.",
            "Ik weet bij wie ik terechtkan als de veranderingen vragen bij me oproepen.",
            False,
        ),
        (
            "openness",
            LIKERT_7,
            "I would rather keep working the way I always have.",
            "Ik werk liever door zoals ik altijd gewerkt heb.",
            R,
        ),
        (
            "purpose",
            LIKERT_7,
            "The changes feel like they are happening for no good reason.",
            "De veranderingen voelen alsof ze zonder goede reden gebeuren.",
            R,
        ),
        (
            "adapt",
            LIKERT_7,
            "I worry that I will fall behind when the new way of working starts.",
            "Ik ben bang dat ik achterop raak als de nieuwe werkwijze begint.",
            R,
        ),
        (
            "support",
            LIKERT_7,
            "My manager makes time to talk about what the changes mean for me.",
            "Mijn leidinggevende maakt tijd om te bespreken wat de veranderingen voor mij betekenen.",
            False,
        ),
        (
            "openness",
            LIKERT_7,
            "I have already tried out part of the new way of working on my own.",
            "Ik heb zelf al een deel van de nieuwe werkwijze uitgeprobeerd.",
            False,
        ),
        (
            "purpose",
            LIKERT_7,
            "I can explain what the changes will improve for our customers or clients.",
            "Ik kan uitleggen wat de veranderingen verbeteren voor onze klanten of cliënten.",
            False,
        ),
        (
            "adapt",
            LIKERT_7,
            "I have dealt well with big changes in my work before.",
            "Ik ben eerder goed omgegaan met grote veranderingen in mijn werk.",
            False,
        ),
        (
            "support",
            LIKERT_7,
            "I feel left to find my own way through the changes.",
            "Ik heb het gevoel dat ik zelf mijn weg door de veranderingen moet vinden.",
            R,
        ),
        (None, CHOICE, "What would help you most right now?", "Wat zou je nu het meest helpen?", False),
        (
            None,
            TEXT,
            "What about the changes do you want to discuss with your coach?",
            "Wat wil je over de veranderingen met je coach bespreken?",
            False,
        ),
    ],
    "choices": {
        "What would help you most right now?": [
            ("Clearer information about what will change", "Duidelijkere informatie over wat er verandert"),
            ("More say in how it is done", "Meer inspraak in hoe het gebeurt"),
            ("Time and training to learn new skills", "Tijd en training om nieuwe vaardigheden te leren"),
            ("Someone to talk it through with", "Iemand om het mee door te spreken"),
        ],
    },
}

_CHECK_IN_SCALE = {
    "low_label_en": "Very poor",
    "low_label_nl": "Heel slecht",
    "high_label_en": "Excellent",
    "high_label_nl": "Uitstekend",
}

SESSION_CHECK_IN = {
    "key": "session-check-in",
    "title_en": "Session check-in",
    "title_nl": "Check-in voor de sessie",
    "description_en": "Two quick questions before a session, so that you and your coach can start where you are today.",
    "description_nl": "Twee korte vragen voor een sessie, zodat jij en je coach kunnen beginnen waar je vandaag staat.",
    "dimensions": [
        {
            "key": "feeling",
            "name_en": "How you feel",
            "name_nl": "Hoe je je voelt",
            "description_en": "Your energy and mood today.",
            "description_nl": "Je energie en stemming vandaag.",
            "bands": [
                (
                    0,
                    33,
                    "Low",
                    "Laag",
                    "Today is a heavy day. It is fine to start the session there: your coach will ask what you need "
                    "first.",
                    "Vandaag is een zware dag. Het is goed om de sessie daar te beginnen: je coach vraagt eerst wat "
                    "je nodig hebt.",
                ),
                (
                    34,
                    66,
                    "Middling",
                    "Wisselend",
                    "You are getting by. Use the session to look at what is draining you and what gives you energy.",
                    "Je houdt je staande. Gebruik de sessie om te kijken wat energie kost en wat energie geeft.",
                ),
                (
                    67,
                    100,
                    "Good",
                    "Goed",
                    "You feel good today. A good moment to take on something you have been putting off.",
                    "Je voelt je goed vandaag. Een mooi moment om iets op te pakken dat je hebt uitgesteld.",
                ),
            ],
        },
        {
            "key": "standing",
            "name_en": "Where you stand",
            "name_nl": "Waar je staat",
            "description_en": "How far along you feel with what you want to achieve.",
            "description_nl": "Hoe ver je je voelt met wat je wilt bereiken.",
            "bands": [
                (
                    0,
                    33,
                    "Stuck",
                    "Vastgelopen",
                    "You feel stuck. Together with your coach you will find one small step you can take this week.",
                    "Je voelt je vastgelopen. Met je coach zoek je één kleine stap die je deze week kunt zetten.",
                ),
                (
                    34,
                    66,
                    "On the way",
                    "Onderweg",
                    "You are moving, step by step. The session is a chance to check whether you are still heading "
                    "where you want to go.",
                    "Je komt stap voor stap vooruit. De sessie is een kans om te toetsen of je nog de goede kant "
                    "op gaat.",
                ),
                (
                    67,
                    100,
                    "Well on track",
                    "Goed op koers",
                    "You are well on track. Use the session to raise your aim or to help someone else forward.",
                    "Je bent goed op koers. Gebruik de sessie om je doel hoger te leggen of een ander verder te "
                    "helpen.",
                ),
            ],
        },
    ],
    "questions": [
        ("feeling", SCALE_10, "How do you feel today?", "Hoe voel je je vandaag?", False),
        (
            "standing",
            SCALE_10,
            "Where do you stand with what you want to achieve?",
            "Waar sta je met wat je wilt bereiken?",
            False,
        ),
        (
            None,
            TEXT,
            "Is there anything you want to bring to the session?",
            "Is er iets dat je in de sessie wilt bespreken?",
            False,
        ),
    ],
}


def _observed_bands(strength_en: str, strength_nl: str) -> list:
    """The three bands of an observed-behaviour dimension: what the raters' mean says, and what next."""
    return [
        (
            0,
            39,
            "Seldom seen",
            "Zelden gezien",
            "The people around you seldom see this yet. Choose one situation this month where they could.",
            "De mensen om je heen zien dit nog zelden. Kies deze maand één situatie waarin ze het wel kunnen zien.",
        ),
        (
            40,
            69,
            "Seen at times",
            "Soms gezien",
            "The people around you see this at times. Ask one of them when it worked and what made the difference.",
            "De mensen om je heen zien dit soms. Vraag een van hen wanneer het lukte en wat het verschil maakte.",
        ),
        (70, 100, "Clearly seen", "Duidelijk gezien", strength_en, strength_nl),
    ]


# Answered by the people around the employee (and by the employee, as the self-rating beside theirs) at the
# start and the end of a programme: behaviour others can see, never what goes on inside. The items describe
# behaviour without a subject, so the same wording serves the raters and the self-rating.
OBSERVED_BEHAVIOUR = {
    "key": "observed-behaviour",
    "title_en": "Observed behaviour",
    "title_nl": "Waargenomen gedrag",
    "description_en": "How the people who work with this person see them at work. Answer for what you have seen "
    "yourself in the last few months. Your answers are combined with those of at least two others before "
    "anyone sees them.",
    "description_nl": "Hoe de mensen die met deze persoon werken hem of haar op het werk zien. Antwoord vanuit wat "
    "je de afgelopen maanden zelf hebt gezien. Je antwoorden worden samengevoegd met die van minstens twee "
    "anderen voordat iemand ze ziet.",
    "dimensions": [
        {
            "key": "listening",
            "name_en": "Listening",
            "name_nl": "Luisteren",
            "description_en": "Letting others finish, asking before answering, taking other views seriously.",
            "description_nl": "Anderen laten uitpraten, eerst vragen en dan antwoorden, andere standpunten serieus nemen.",
            "bands": _observed_bands(
                "Others clearly experience being heard. Keep it up when the pressure rises.",
                "Anderen voelen zich duidelijk gehoord. Houd dat vast als de druk toeneemt.",
            ),
        },
        {
            "key": "clarity",
            "name_en": "Clarity",
            "name_nl": "Duidelijkheid",
            "description_en": "Saying what is expected and why, and keeping agreements.",
            "description_nl": "Zeggen wat er verwacht wordt en waarom, en afspraken nakomen.",
            "bands": _observed_bands(
                "Others know where they stand with you. Use that to make room for their ideas too.",
                "Anderen weten waar ze met je aan toe zijn. Gebruik dat om ook ruimte te maken voor hun ideeën.",
            ),
        },
        {
            "key": "feedback",
            "name_en": "Giving and asking feedback",
            "name_nl": "Feedback geven en vragen",
            "description_en": "Naming what goes well and what could be better, and asking for the same.",
            "description_nl": "Benoemen wat goed gaat en wat beter kan, en daar zelf ook om vragen.",
            "bands": _observed_bands(
                "Feedback flows both ways around you. Help others learn to do the same.",
                "Rond jou gaat feedback twee kanten op. Help anderen dat ook te leren.",
            ),
        },
        {
            "key": "composure",
            "name_en": "Composure under pressure",
            "name_nl": "Rust onder druk",
            "description_en": "Staying calm and approachable when things get busy or tense.",
            "description_nl": "Rustig en benaderbaar blijven als het druk of gespannen wordt.",
            "bands": _observed_bands(
                "You stay calm and approachable under pressure. Others lean on that: look after your own energy.",
                "Je blijft rustig en benaderbaar onder druk. Anderen leunen daarop: let ook op je eigen energie.",
            ),
        },
    ],
    "questions": [
        (
            "listening",
            LIKERT_5,
            "Lets others finish before responding.",
            "Laat anderen uitpraten voordat hij of zij reageert.",
            False,
        ),
        (
            "listening",
            LIKERT_5,
            "Asks questions to understand another view.",
            "Stelt vragen om een ander standpunt te begrijpen.",
            False,
        ),
        (
            "clarity",
            LIKERT_5,
            "Makes clear what is expected, and why.",
            "Maakt duidelijk wat er verwacht wordt, en waarom.",
            False,
        ),
        ("clarity", LIKERT_5, "Keeps the agreements made.", "Komt gemaakte afspraken na.", False),
        ("feedback", LIKERT_5, "Says specifically what went well.", "Zegt concreet wat er goed ging.", False),
        ("feedback", LIKERT_5, "Avoids saying what could be better.", "Vermijdt het om te zeggen wat beter kan.", R),
        ("feedback", LIKERT_5, "Asks others for feedback.", "Vraagt anderen om feedback.", False),
        ("composure", LIKERT_5, "Stays calm when things get tense.", "Blijft rustig als het gespannen wordt.", False),
        ("composure", LIKERT_5, "Is hard to approach when busy.", "Is moeilijk benaderbaar als het druk is.", R),
        (None, TEXT, "What should this person keep doing?", "Wat moet deze persoon vooral blijven doen?", False),
        (None, TEXT, "What could this person do differently?", "Wat zou deze persoon anders kunnen doen?", False),
    ],
}

_STANDING_SCALE = {
    "low_label_en": "Nowhere yet",
    "low_label_nl": "Nog nergens",
    "high_label_en": "Fully there",
    "high_label_nl": "Helemaal bereikt",
}

LIBRARY = [SELF_CONFIDENCE, READINESS_FOR_CHANGE, SESSION_CHECK_IN, OBSERVED_BEHAVIOUR]


def _labels(spec: dict, dimension_key: str | None, kind: str) -> dict:
    if kind == LIKERT_5:
        return _AGREE_5
    if kind == LIKERT_7:
        return _AGREE_7
    if kind == SCALE_10:
        return _STANDING_SCALE if dimension_key == "standing" else _CHECK_IN_SCALE
    return {}


def install(models=None) -> int:
    """Add the built-in instruments that are missing from the current schema; returns how many were added.

    `models` has Instrument, InstrumentVersion, Dimension, Question, Choice and Band (a migration passes
    its historical models); by default the current ones.
    """
    if models is None:
        models = current_models
    added = 0
    for spec in LIBRARY:
        if models.Instrument.objects.filter(key=spec["key"]).exists():
            continue
        _install_one(models, spec)
        added += 1
    return added


def _install_one(models, spec: dict) -> None:
    instrument = models.Instrument.objects.create(key=spec["key"], is_builtin=True)
    version = models.InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        is_latest=True,
        title_en=spec["title_en"],
        title_nl=spec["title_nl"],
        description_en=spec["description_en"],
        description_nl=spec["description_nl"],
    )
    dimensions = {}
    for position, item in enumerate(spec["dimensions"], start=1):
        dimension = models.Dimension.objects.create(
            version=version,
            key=item["key"],
            position=position,
            name_en=item["name_en"],
            name_nl=item["name_nl"],
            description_en=item["description_en"],
            description_nl=item["description_nl"],
        )
        models.Band.objects.bulk_create(
            models.Band(
                dimension=dimension,
                lower=lower,
                upper=upper,
                label_en=label_en,
                label_nl=label_nl,
                text_en=text_en,
                text_nl=text_nl,
            )
            for lower, upper, label_en, label_nl, text_en, text_nl in item["bands"]
        )
        dimensions[item["key"]] = dimension
    choices = spec.get("choices", {})
    for position, (dimension_key, kind, text_en, text_nl, reverse) in enumerate(spec["questions"], start=1):
        question = models.Question.objects.create(
            version=version,
            dimension=dimensions.get(dimension_key),
            position=position,
            kind=kind,
            text_en=text_en,
            text_nl=text_nl,
            reverse_scored=reverse,
            required=kind != TEXT,
            **_labels(spec, dimension_key, kind),
        )
        models.Choice.objects.bulk_create(
            models.Choice(question=question, position=index, label_en=label_en, label_nl=label_nl)
            for index, (label_en, label_nl) in enumerate(choices.get(text_en, []), start=1)
        )


def historical_models(apps) -> SimpleNamespace:
    names = ("Instrument", "InstrumentVersion", "Dimension", "Question", "Choice", "Band")
    return SimpleNamespace(**{name: apps.get_model("assessments", name) for name in names})
