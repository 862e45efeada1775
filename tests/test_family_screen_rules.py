"""The child-privacy rule of the family screen, as functions: who may see whose line."""

from dataclasses import dataclass

from fokus.insights.family_screen import family_lines, own_lines

CHILD, MOTHER, FATHER, TEEN = 1, 2, 3, 4


@dataclass
class Line:
    person_id: int
    rater_id: int
    measures: str


def lines():
    return [
        Line(CHILD, CHILD, "outcome"), Line(CHILD, MOTHER, "outcome"),
        Line(CHILD, FATHER, "outcome"), Line(MOTHER, MOTHER, "outcome"),
        Line(TEEN, TEEN, "outcome"), Line(TEEN, MOTHER, "outcome"),
        Line(CHILD, CHILD, "alliance"), Line(MOTHER, MOTHER, "alliance"),
        Line(TEEN, TEEN, "alliance"),
    ]


def seen(rule):
    return {(x.person_id, x.rater_id, x.measures) for x in lines() if rule(x)}


def test_before_rating_a_person_sees_no_line_at_all():
    for rater in (CHILD, MOTHER, TEEN):
        assert seen(own_lines(rater, rated=False, show_alliance=True)) == set()


def test_after_rating_only_the_own_outcome_line():
    assert seen(own_lines(CHILD, rated=True, show_alliance=False)) == {(CHILD, CHILD, "outcome")}
    # The mother sees her own line, not her rating of the children, nor theirs.
    assert seen(own_lines(MOTHER, rated=True, show_alliance=False)) == {
        (MOTHER, MOTHER, "outcome")}


def test_a_parents_rating_of_the_child_is_not_the_childs_own_line():
    assert (CHILD, MOTHER, "outcome") not in seen(own_lines(CHILD, rated=True,
                                                           show_alliance=True))


def test_the_own_alliance_only_if_the_caseworker_chose_it():
    assert seen(own_lines(TEEN, rated=True, show_alliance=True)) == {
        (TEEN, TEEN, "outcome"), (TEEN, TEEN, "alliance")}
    assert (TEEN, TEEN, "alliance") not in seen(own_lines(TEEN, rated=True,
                                                         show_alliance=False))


def test_the_family_graph_shows_everyone_s_outcome_and_the_alliance_only_if_chosen():
    everyone = seen(family_lines([], show_alliance=False))
    assert everyone == {(p, r, m) for p, r, m in seen(lambda x: True) if m == "outcome"}
    assert (MOTHER, MOTHER, "alliance") in seen(family_lines([], show_alliance=True))


def test_a_child_kept_private_from_the_parents_is_never_on_the_family_graph():
    for show_alliance in (False, True):
        shown = seen(family_lines([CHILD], show_alliance=show_alliance))
        assert not any(CHILD in (person, rater) for person, rater, _m in shown)
        # The others stay.
        assert (MOTHER, MOTHER, "outcome") in shown and (TEEN, MOTHER, "outcome") in shown
    # A private teen: gone, the younger child stays.
    shown = seen(family_lines({TEEN}, show_alliance=True))
    assert not any(TEEN in (person, rater) for person, rater, _m in shown)
    assert (CHILD, CHILD, "outcome") in shown


def test_a_measure_the_screen_does_not_know_is_never_shown():
    other = Line(MOTHER, MOTHER, "wellbeing")
    assert not family_lines([], show_alliance=True)(other)
    assert not own_lines(MOTHER, rated=True, show_alliance=True)(other)
