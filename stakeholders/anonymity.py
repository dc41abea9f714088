"""Anonymity by construction: which raters' answers may be shown together, and under which name.

Pure functions over (rater id, relation, named) triples; no database here. The rules, in order:

1. A manager who agreed to be named is shown on their own, under "Manager" (their comments still wait for
   a group of MIN_GROUP). A manager who did not agree is pooled into "Others", whatever their number.
2. Peers and direct reports are shown as their own group when at least MIN_GROUP answered; fewer are pooled
   into "Others". Raters of relation "other" are always in "Others".
3. "Others" is shown when the pool holds at least MIN_GROUP; otherwise its answers are withheld.
4. Free-text comments are shown only for a group of at least MIN_GROUP, in alphabetical order, never with a
   name or a relation beyond the group's.

The groups are disjoint and no total over all raters is shown, so no group can be derived from others by
addition or subtraction; results appear only once a round is closed or everyone asked has answered
(stakeholders.selectors), so the order of answers cannot single anyone out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MIN_GROUP = 3
MANAGER, PEER, REPORT, OTHER = "manager", "peer", "report", "other"
OWN_GROUPS = (PEER, REPORT)
LABELS = {MANAGER: _("Manager"), PEER: _("Peers"), REPORT: _("Direct reports"), OTHER: _("Others")}


@dataclass(frozen=True)
class Group:
    key: str  # manager, peer, report or other
    rater_ids: tuple[int, ...]
    named: bool = False  # the manager who agreed to be named

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def size(self) -> int:
        return len(self.rater_ids)

    @property
    def comments_shown(self) -> bool:
        return self.size >= MIN_GROUP


@dataclass(frozen=True)
class Grouping:
    groups: tuple[Group, ...]  # shown, in the order manager, peers, direct reports, others
    withheld: int  # how many answers are not shown (a pool of fewer than MIN_GROUP)


def grouping(raters: Iterable[tuple[int, str, bool]]) -> Grouping:
    """The shown groups of the raters who answered: (id, relation, named) each, self-ratings left out."""
    by_relation: dict[str, list[int]] = {}
    named_managers: list[int] = []
    for rater_id, relation, named in raters:
        if relation == MANAGER and named:
            named_managers.append(rater_id)
        elif relation in OWN_GROUPS:
            by_relation.setdefault(relation, []).append(rater_id)
        elif relation in (MANAGER, OTHER):
            by_relation.setdefault(OTHER, []).append(rater_id)
    groups = []
    if named_managers:
        groups.append(Group(MANAGER, tuple(sorted(named_managers)), named=True))
    pool = list(by_relation.get(OTHER, []))
    for relation in OWN_GROUPS:
        members = by_relation.get(relation, [])
        if len(members) >= MIN_GROUP:
            groups.append(Group(relation, tuple(sorted(members))))
        else:
            pool.extend(members)
    withheld = 0
    if len(pool) >= MIN_GROUP:
        groups.append(Group(OTHER, tuple(sorted(pool))))
    else:
        withheld = len(pool)
    return Grouping(groups=tuple(groups), withheld=withheld)
