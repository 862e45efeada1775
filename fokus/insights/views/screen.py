"""The family screen's graphs: after each person rates, their own line; at the end,
if the caseworker chose it, the family's lines (never a child's kept from the parents)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fokus.cases import access
from fokus.cases.models import Person
from fokus.insights import family_screen
from fokus.insights.graph import FAMILY, case_graph, faces_timeline, only_series
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.lib.i18n import current_language
from fokus.ratings import kiosk

FAMILY_WIDTH = 560


def _screen_graph(request, grant, keep, *, label: str, empty: str):
    """A graph fragment for the family screen: only the series `keep` accepts."""
    user = kiosk.caseworker(grant)
    if user is None:
        raise Http404
    found = {}

    def persons_shown(case):  # the entry names the persons of the lines shown, no others
        found["data"] = case_series(case)
        found["shown"] = only_series(found["data"], keep)
        return series_persons(found["shown"])

    access.get_case_detail_for_user(user, grant["case"], purpose="family screen graph",
                                    shown=persons_shown)
    lang = current_language()
    data, shown = found["data"], found["shown"]
    tracks, _signals = case_signals(data, lang)
    graph = None
    if shown.outcome or shown.alliance:
        # The family's words ("where most children who feel good are"), at the width
        # the tablet shows it (text 13 px as drawn).
        graph = case_graph(data, tracks, lang, width=FAMILY_WIDTH, keep=keep, label=label,
                           audience=FAMILY)
    return render(request, "insights/_screen_graph.html", {
        "graph": graph, "faces": faces_timeline(shown, lang), "empty": empty,
        "show_numbers": grant.get("show_numbers", False)})


def series_persons(data) -> set[int]:
    """Every person rated or rating in the series of a graph."""
    return {pk for s in [*data.outcome, *data.alliance, *data.faces]
            for pk in (s.person_id, s.rater_id)}


def kiosk_graph(request, step: int):
    """After a person rated on the family screen: their own graph, and nobody else's
    (the rule: fokus.insights.family_screen.own_lines)."""
    grant = kiosk.grant(request)
    if grant is None:
        return redirect("insights:case_list" if request.user.is_authenticated else "login")
    if not 0 <= step < len(grant["steps"]):
        raise Http404
    keep = family_screen.own_lines(grant["steps"][step]["rater"],
                                   rated=step in kiosk.rated_steps(grant),
                                   show_alliance=grant.get("show_alliance", False))
    return _screen_graph(request, grant, keep,
                         label=_("Your ratings over time; the values are in the table below."),
                         empty=_("Your graph appears when your rating is saved."))


def kiosk_family_graph(request):
    """At the end of the family screen, if the caseworker chose it: the family's lines,
    never a child's kept from the parents (fokus.insights.family_screen.family_lines)."""
    grant = kiosk.grant(request)
    if grant is None:
        return redirect("insights:case_list" if request.user.is_authenticated else "login")
    if not grant.get("show_family_graph"):
        raise Http404
    private = Person.objects.filter(case_id=grant["case"], ratings_private_from_parents=True
                                    ).values_list("pk", flat=True)
    keep = family_screen.family_lines(private, show_alliance=grant.get("show_alliance", False))
    return _screen_graph(request, grant, keep,
                         label=_("The family's ratings over time; the values are in the table "
                                 "below."),
                         empty=_("The family graph appears when the ratings are saved."))
