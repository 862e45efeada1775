"""The case list and the case page: the pages that show a case's ratings, graph and signals."""

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from fokus.accounts import policy
from fokus.cases import access
from fokus.insights.caseload import CaseloadForm, caseload_for_user, team_members_for
from fokus.insights.graph import SIZES, case_graph, faces_timeline
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.insights.tasks import graph_keys, kept_svg
from fokus.lib.i18n import current_language
from fokus.ratings.models import Rating

LATEST_MEETINGS = 10
LATEST_RATINGS = 24


@login_required
def home(request):
    """Where each role starts (fokus.accounts.policy.home_url_name): an administrator
    configures (the configuration home, with no case in it); a department head starts on
    the outcomes; everyone else on the caseload."""
    return redirect(policy.home_url_name(request.user))


@login_required
def case_list(request):
    """The caseload, sorted by need (the start page); an analyst's pseudonymised list."""
    if not access.can_see_names(request.user):
        home = policy.home_url_name(request.user)
        if not policy.pseudonymised_only(request.user) and home != "insights:case_list":
            return redirect(home)  # a department head's figures, an administrator's settings
        return render(request, "insights/case_list.html", {
            "pseudonymised_rows": access.list_pseudonymised_cases(request.user)})
    form = CaseloadForm(request.GET or None, members=team_members_for(request.user))
    filters = form.filters()
    caseload = caseload_for_user(request.user, filters, page=request.GET.get("page"))
    return render(request, "insights/case_list.html", {
        "form": form, "filters": filters, "caseload": caseload, **page_links(request, caseload.page),
    })


def page_links(request, page) -> dict:
    """The page numbers to link to, and the query (filters, search) every link keeps."""
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_query": query.urlencode() + "&" if query else "",
            "page_numbers": list(page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1))}


@login_required
def case_detail(request, case_id: int):
    case = access.get_case_detail_for_user(request.user, case_id)
    ratings = sorted(case.ratings.all(), key=lambda r: (r.rated_on, r.pk), reverse=True)
    meetings = sorted(case.meetings.held(), key=lambda m: (m.held_on, m.pk), reverse=True)
    # The latest first, and only the latest unless asked: the graph shows the history.
    show_all = request.GET.get("all") == "1"
    shown = ratings if show_all else ratings[:LATEST_RATINGS]
    prefetch_related_objects(shown, "answers__item")
    return render(request, "insights/case_detail.html", {
        "case": case, "insights": case_insights(case), "show_all": show_all,
        "ratings": shown, "n_ratings": len(ratings),
        "meetings": meetings if show_all else meetings[:LATEST_MEETINGS],
        "n_meetings": len(meetings),
    })


def case_insights(case) -> dict:
    """The graph and the signals of a case fetched with get_case_detail_for_user,
    in the page's language. Used by the case page."""
    lang = current_language()
    data = case_series(case)
    tracks, signals = case_signals(data, lang)
    graph, keys = None, {}
    if data.outcome or data.alliance:
        graph = case_graph(data, tracks, lang, SIZES["tablet"])
        keys = graph_keys(case.pk, case.organisation_id, lang)  # the image URLs' versions
    return {"graph": graph, "graph_keys": keys, "tracks": tracks, "signals": signals,
            "has_ratings": data.has_ratings, "faces": faces_timeline(data, lang),
            "model_name": data.model.name, "settings_from": data.settings.valid_from}


@login_required
@require_GET
def case_graph_svg(request, case_id: int):
    """The case graph as an SVG image, so that the case page does not wait for it
    (`?size=phone`: the narrow graph a phone's page shows). The picture the task worker
    kept (fokus.insights.tasks) is served when its key is the graph's key now (the
    case's inputs: a new rating changes it); otherwise the graph is drawn here and
    kept. Revalidated by ETag (the key): an unchanged graph is not sent again."""
    case = access.get_case_for_user(request.user, case_id, purpose="case graph",
                                    shown=graph_persons)
    lang = current_language()
    size = "phone" if request.GET.get("size") == "phone" else "tablet"
    key = graph_keys(case.pk, case.organisation_id, lang)[size]  # before the case is read
    etag = f'"{key}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(kept_svg(case.pk, lang, size, key,
                                         lambda: _draw(request.user, case.pk, lang, size)),
                                content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def graph_persons(case) -> list[int]:
    """The persons a case graph shows (for the access log): each line's person rated
    and rater, read without drawing (the kept picture is served unread)."""
    pairs = Rating.objects.filter(case_id=case.pk).values_list("person_id", "rater_id")
    return [pk for pair in pairs.distinct() for pk in pair]


def _draw(user, case_id: int, lang: str, size: str) -> str:
    """The case graph drawn now (the picture only: no signals are needed to draw it)."""
    case = access.get_case_detail_for_user(user, case_id, purpose="case graph",
                                           shown=graph_persons)
    data = case_series(case)
    if not (data.outcome or data.alliance):
        raise Http404
    return case_graph(data, [], lang, SIZES[size]).svg
