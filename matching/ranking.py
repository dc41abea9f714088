"""The transparent score that ranks coaches for an employee's intake (docs/MATCHING.md explains it).

Requirements first: a coach who does not speak the intake's language, does not offer the way the employee
wants to meet (in person: in the same city), or has no room left, is not suggested at all. The rest are
ranked by points, each with the reason that earned it, so the employee reads why a coach is on the list:

- 2 points for every focus area of the intake among the coach's specialisms;
- 1 point for every free time in the next two weeks at a time of day that suits the employee (at most 3);
- 1 point for every place the coach has left (at most 2), so a coach with room is preferred to one about
  to be full.

Ties go to the coach with more room left, then to the name. Pure functions: the selectors gather the
figures, this module only weighs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaches.models import Language, Mode, Specialism

FOCUS_POINTS = 2
FREE_TIMES_MOST = 3
ROOM_MOST = 2
SUGGESTIONS_MOST = 3
WEEKS_AHEAD = 2


@dataclass
class Candidate:
    coach_id: int
    name: str
    languages: list[str]
    specialisms: list[str]
    modes: list[str]
    city: str
    places_left: int
    free_times: int  # free times in the next WEEKS_AHEAD weeks at times of day that suit


@dataclass
class Ranked:
    coach_id: int
    score: int
    places_left: int
    name: str
    reasons: list[list] = field(default_factory=list)  # [code, value] pairs, see `reason_text`


def meets_requirements(candidate: Candidate, *, language: str, mode: str, city: str) -> bool:
    if language not in candidate.languages or mode not in candidate.modes or candidate.places_left < 1:
        return False
    return mode != Mode.IN_PERSON or candidate.city.strip().casefold() == city.strip().casefold()


def score(candidate: Candidate, *, focus: list[str], language: str, mode: str, city: str) -> Ranked:
    shared = [area for area in focus if area in candidate.specialisms]
    free = min(candidate.free_times, FREE_TIMES_MOST)
    room = min(candidate.places_left, ROOM_MOST)
    reasons = [["language", language], ["mode", mode] if mode != Mode.IN_PERSON else ["city", candidate.city]]
    reasons.append(["focus", shared] if shared else ["no_focus", None])
    reasons.append(["free", candidate.free_times])
    reasons.append(["room", candidate.places_left])
    return Ranked(
        coach_id=candidate.coach_id,
        score=FOCUS_POINTS * len(shared) + free + room,
        places_left=candidate.places_left,
        name=candidate.name,
        reasons=reasons,
    )


def rank(candidates: list[Candidate], *, focus: list[str], language: str, mode: str, city: str) -> list[Ranked]:
    """At most SUGGESTIONS_MOST coaches who meet the requirements, best first."""
    ranked = [
        score(candidate, focus=focus, language=language, mode=mode, city=city)
        for candidate in candidates
        if meets_requirements(candidate, language=language, mode=mode, city=city)
    ]
    ranked.sort(key=lambda row: (-row.score, -row.places_left, row.name.casefold(), row.coach_id))
    return ranked[:SUGGESTIONS_MOST]


def _and(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def reason_text(code: str, value) -> str:
    """One reason in plain words, in the active language."""
    if code == "language":
        return _("Coaches in %(language)s") % {"language": Language(value).label}
    if code == "mode":
        return {
            Mode.VIDEO: _("Offers sessions by video"),
            Mode.PHONE: _("Offers sessions by phone"),
        }.get(value, str(Mode(value).label))
    if code == "city":
        return _("Meets in person in %(city)s") % {"city": value}
    if code == "focus":
        areas = _and([str(Specialism(area).label).lower() for area in value])
        return _("Specialises in %(areas)s: what you want to work on") % {"areas": areas}
    if code == "no_focus":
        return _("None of your focus areas is among their specialisms")
    if code == "free":
        if not value:
            return _("No free time that suits you in the next two weeks")
        return ngettext(
            "%(count)d free time that suits you in the next two weeks",
            "%(count)d free times that suit you in the next two weeks",
            value,
        ) % {"count": value}
    if code == "room":
        return ngettext("Room for %(count)d more coachee", "Room for %(count)d more coachees", value) % {"count": value}
    return ""


def reasons_text(reasons: list[list]) -> list[str]:
    return [reason_text(code, value) for code, value in reasons]
