"""Who may see whose line on the family screen: the child-privacy rule, in one place.

The family screen is a tablet passed round the family. What it may show:

- after a person rated: their own lines, and nobody else's - not even a parent's
  rating of them. Before they rated, nothing (the earlier scores must not steer
  the new one). Their alliance (session) lines only if the caseworker chose to
  show the alliance to the family.
- at the end, if the caseworker chose it: the family's outcome lines (and the
  alliance, if chosen), but never a line of a child whose ratings are kept from
  the parents - neither the child's own nor a parent's rating of the child: the
  family graph is seen by the whole family, and each line carries the child's name.

Each rule is a predicate over a series (anything with person_id, rater_id and
measures), as fokus.insights.graph.only_series and case_graph take it.
"""

from collections.abc import Callable, Iterable
from typing import Protocol

from fokus.instruments.models import Measures


class Line(Protocol):
    person_id: int
    rater_id: int
    measures: str


Rule = Callable[[Line], bool]


def own_lines(rater_id: int, *, rated: bool, show_alliance: bool) -> Rule:
    """The lines the person who rated at a step may see: their own, once they rated."""

    def may_see(line: Line) -> bool:
        if not rated or line.rater_id != rater_id:
            return False
        if line.measures == Measures.ALLIANCE:
            return show_alliance
        return line.measures == Measures.OUTCOME and line.person_id == rater_id

    return may_see


def family_lines(private_person_ids: Iterable[int], *, show_alliance: bool) -> Rule:
    """The lines of the family graph: everyone's outcome (and alliance, if chosen),
    never a line by or about a child kept private from the parents."""
    private = frozenset(private_person_ids)

    def may_see(line: Line) -> bool:
        if line.person_id in private or line.rater_id in private:
            return False
        return line.measures == Measures.OUTCOME or (
            show_alliance and line.measures == Measures.ALLIANCE)

    return may_see
