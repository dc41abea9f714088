"""What HR sees of stakeholder feedback: completion counts per programme and moment, from the cells
reports.disclosure released (at least MIN_AGGREGATE_GROUP_SIZE people behind each figure), nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from portal import policy
from programmes.models import Programme
from reports import disclosure
from stakeholders.models import Round


@dataclass
class CompletionRow:
    programme: str
    moment: str
    people: int
    invited: int
    answered: int


@dataclass
class Completion:
    rows: list[CompletionRow]
    released_on: object
    threshold: int


def completion(*, actor: policy.Actor) -> Completion:
    released = disclosure.released(actor=actor, kinds=["stakeholders"])
    names = dict(policy.scope(actor, Programme).values_list("pk", "name"))
    moments = dict(Round.Moment.choices)
    rows = []
    totals: dict[tuple[int, str], disclosure.Total] = {}
    for cell in released.of("stakeholders"):
        totals.setdefault((cell.programme_id, cell.key), disclosure.Total()).add(cell.contributors, cell.values)
    ordered = sorted(totals.items(), key=lambda item: (names.get(item[0][0], ""), item[0][1] != Round.Moment.START))
    for (programme_id, moment), total in ordered:
        rows.append(
            CompletionRow(
                programme=names.get(programme_id, ""),
                moment=str(moments.get(moment, moment)),
                people=total.contributors,
                invited=int(total["invited"]),
                answered=int(total["answered"]),
            )
        )
    return Completion(rows=rows, released_on=released.released_on, threshold=disclosure.threshold())
