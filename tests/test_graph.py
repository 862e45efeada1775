"""The case graph: one Vega-Lite spec per case, rendered to SVG on the server."""

import datetime

import pytest
from django.utils import timezone

from fokus.cases.access import get_case_detail_for_user
from fokus.insights.graph import case_graph, expected_path, faces_timeline, graph_spec, panel
from fokus.insights.series import Point, Series, case_series
from fokus.insights.signals import case_signals
from fokus.outcomes import DEFAULT_MODEL, DEFAULT_SETTINGS

D0 = datetime.date(2025, 1, 6)


def day(i: int) -> datetime.date:
    return D0 + datetime.timedelta(days=14 * i)


def rate_family(world):
    """Mikkel (10, CORS) rates himself and Sara rates him; Sara (38) rates herself
    (ORS); Freja (15) rates herself (ORS); session scales after each meeting."""
    for i, (m, sm, s, f) in enumerate([(18.2, 22.0, 19.2, 20.1), (20.0, 24.0, 20.3, 22.2),
                                       (24.4, 26.0, 22.0, 24.0), (26.4, 27.0, 24.5, 26.0)]):
        world.rate(world.child, "CORS", _split(m), on=day(i))
        world.rate(world.child, "CORS", _split(sm), rater=world.mother, on=day(i))
        world.rate(world.mother, "ORS", _split(s), on=day(i))
        world.rate(world.teen, "ORS", _split(f), on=day(i))
        world.rate(world.child, "CSRS", _split(37.0), on=day(i))
        world.rate(world.mother, "SRS", _split(38.0 - i), on=day(i))


def _split(total: float) -> list[float]:
    """Four item values (one decimal, each <= 10) that add up to total."""
    tenths = round(total * 10)
    parts = [tenths // 4] * 4
    parts[0] += tenths - sum(parts)
    return [p / 10 for p in parts]


@pytest.fixture
def family(world):
    rate_family(world)
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    data = case_series(case)
    tracks, _signals = case_signals(data, "en")
    return world, data, tracks


def _layer_rows(spec, name, index):
    return panel(spec, name)["layer"][index]["data"]["values"]


def test_one_series_per_person_and_rater(family):
    _world, data, _tracks = family
    spec = graph_spec(data, "en")
    labels = panel(spec, "outcome")["layer"][3]["encoding"]["color"]["scale"]["domain"]
    assert labels == ["Mikkel", "Sara about Mikkel", "Sara", "Freja"]
    rows = _layer_rows(spec, "outcome", 3)
    assert {r["series"] for r in rows} == set(labels)
    assert sum(1 for r in rows if r["series"] == "Sara about Mikkel") == 4
    alliance = panel(spec, "alliance")["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert alliance == ["Mikkel", "Sara"]


def test_colour_per_person_shape_per_rater_dash_for_others(family):
    _world, data, _tracks = family
    enc = panel(graph_spec(data, "en"), "outcome")["layer"][3]["encoding"]
    colours, shapes = enc["color"]["scale"]["range"], enc["shape"]["scale"]["range"]
    dashes = enc["strokeDash"]["scale"]["range"]
    assert colours[0] == colours[1] and len(set(colours)) == 3  # Mikkel's two series share his colour
    assert shapes[1] == shapes[2] and len(set(shapes)) == 3  # Sara's shape as rater
    assert dashes[0] == [1, 0] and dashes[1] != [1, 0]


def test_cutoffs_per_age_group(family):
    _world, data, _tracks = family
    cutoffs = {r["series"]: r["cutoff"] for r in _layer_rows(graph_spec(data, "en"), "outcome", 0)}
    assert cutoffs == {"Mikkel": 32.0, "Sara about Mikkel": 28.0, "Sara": 25.0, "Freja": 28.0}
    alliance_rule = panel(graph_spec(data, "en"), "alliance")["layer"][0]["data"]["values"][0]
    assert alliance_rule["cutoff"] == 36.0


def _series(scores, age_group):
    return Series(key="k", person_id=1, rater_id=1, person_name="X", rater_name="X",
                  person_role="mother", rater_role="mother", measures="outcome",
                  instruments=["ORS"], age_group=age_group, cutoff=25.0,
                  points=[Point(day(i), s) for i, s in enumerate(scores)])


@pytest.mark.parametrize(("age_group", "intake", "target"),
                         [("adult", 19.2, 27.23), ("youth", 20.1, 28.42), ("child", 20.1, 28.42)])
def test_etr_path_matches_the_worked_examples(age_group, intake, target):
    # Two ratings each; the path is extended ahead, so meeting 6 (t=5) is the target.
    path = expected_path(_series([intake, intake + 1.1], age_group), 32.0, DEFAULT_MODEL, ahead=4)
    assert path[0].value == intake and path[0].day == day(0)
    assert path[1].day == day(1)
    assert path[5].meeting == 6
    assert path[5].value == pytest.approx(target, abs=0.05)
    assert path[-1].day == day(5)  # dated ahead at the series' usual interval


def test_no_expected_path_above_the_ceiling():
    assert expected_path(_series([33.0, 34.0], "adult"), DEFAULT_SETTINGS.etr_ceiling, DEFAULT_MODEL) == []


def test_etr_in_spec_starts_at_intake(family):
    _world, data, _tracks = family
    etr = [r for r in _layer_rows(graph_spec(data, "en"), "outcome", 2) if r["series"] == "Sara"]
    assert etr[0] == {"series": "Sara", "date": day(0).isoformat(), "etr": 19.2, "meeting": 1}
    assert len(etr) == 4 + 2  # four ratings and two meetings ahead


def test_svg_renders_with_role_and_label(family):
    _world, data, tracks = family
    graph = case_graph(data, tracks, "en")
    assert graph.svg.startswith("<svg role=\"img\" aria-label=")
    assert "Sara about Mikkel" in graph.svg
    assert "DejaVu Sans" in graph.svg
    assert any(line.startswith("Mikkel: 4 ratings, from 18.2 to 26.4, below the cutoff 32")
               for line in graph.summary)
    assert len(graph.rows) == 4 * 6


def test_case_page_shows_the_graph_table_and_record_link(family, client):
    world, _data, _tracks = family
    client.force_login(world.anna)
    response = client.get(f"/cases/{world.hansen.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="case-graph case-graph-full"' in html and 'class="case-graph-image"' in html
    assert 'class="data graph-table"' in html
    assert f"/insights/cases/{world.hansen.pk}/record/" in html


def test_case_page_without_ratings(world, client):
    client.force_login(world.anna)
    response = client.get(f"/cases/{world.hansen.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No ratings yet: the graph appears" in response.content.decode()


def test_the_case_page_loads_the_graph_as_an_image_revalidated_by_etag(world, login):
    from django.urls import reverse

    from fokus.audit.models import AccessLogEntry

    world.rate(world.child, "CORS", ["5", "5", "5", "5"])
    client = login(world.anna)
    page = client.get(reverse("insights:case", args=[world.hansen.pk])).content.decode()
    url = reverse("insights:case_graph_svg", args=[world.hansen.pk])
    assert f'src="{url}?v=' in page
    assert "<svg" not in page.split('id="graph-heading"')[1].split("</figure>")[0]
    first = client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in first.content and b'role="img"' in first.content
    assert AccessLogEntry.objects.filter(purpose="case graph", username="anna").exists()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    world.rate(world.child, "CSRS", ["9", "9", "9", "9"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    login(world.bo)
    assert client.get(url).status_code == 404


def test_young_child_faces_are_their_own_series_and_not_drawn_on_the_0_40_scale(world):
    from fokus.cases import actions

    today = timezone.localdate()
    born = today.replace(year=today.year - 6) - datetime.timedelta(days=30)
    child = actions.add_person(world.anna, world.hansen, first_name="Lea", role="child",
                               birth_date=born)
    world.rate(child, "YCORS", ["2"], on=born.replace(year=born.year + 5) + datetime.timedelta(days=3))
    world.rate(child, "CORS", ["5", "6", "7", "8"])
    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    assert [(x.instruments, x.scores) for x in data.outcome if x.person_id == child.pk] == [
        (["CORS"], [26.0])]
    assert [(x.instruments, x.scores, x.cutoff) for x in data.faces if x.person_id == child.pk] == [
        (["YCORS"], [2.0], None)]
    spec = graph_spec(data, "en")
    drawn = [v for layer in panel(spec, "outcome")["layer"] for v in layer["data"]["values"]
             if v.get("series") == "Lea" and "score" in v]
    assert [v["score"] for v in drawn] == [26.0]
    graph = case_graph(data, case_signals(data, "en")[0], "en")
    assert sorted(r["instrument"] for r in graph.rows if r["series"] == "Lea") == ["CORS"]
    faces = faces_timeline(data, "en")
    assert [(f.label, f.instrument, [p.face for p in f.points]) for f in faces] == [
        ("Lea", "YCORS", [2])]


# --- Part 5: a graph to talk about -------------------------------------------------------

def _contrast(colour: str, other: str = "#ffffff") -> float:
    def lum(h):
        c = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    a, b = lum(colour), lum(other)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _font_sizes(node) -> list[float]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("ontSize") and isinstance(value, int | float):
                found.append(value)
            else:
                found += _font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            found += _font_sizes(value)
    return found


def test_each_person_a_safe_colour_a_shape_and_a_line_style(family):
    from fokus.insights.graph import (
        ALLIANCE_CUTOFF_COLOUR,
        COLOURS,
        OTHER_DASH,
        SELF_DASH,
        SHAPES,
    )

    world, data, _tracks = family
    enc = panel(graph_spec(data, "en"), "outcome")["layer"][3]["encoding"]
    labels = enc["color"]["scale"]["domain"]
    styles = dict(zip(labels, zip(enc["color"]["scale"]["range"], enc["shape"]["scale"]["range"],
                                  map(tuple, enc["strokeDash"]["scale"]["range"]), strict=True),
                      strict=True))
    # Every colour of the palette, and the alliance cutoff, at least 3:1 on white.
    assert all(_contrast(c) >= 3 for c in [*COLOURS, ALLIANCE_CUTOFF_COLOUR])
    assert len(set(COLOURS)) == len(COLOURS) and len(set(SHAPES)) == len(SHAPES)
    # The person rated gives the colour, the rater the shape, self or not the line.
    assert styles["Mikkel"][0] == styles["Sara about Mikkel"][0] != styles["Sara"][0]
    assert styles["Sara about Mikkel"][1] == styles["Sara"][1] != styles["Mikkel"][1]
    assert len({styles[n][0] for n in ("Mikkel", "Sara", "Freja")}) == 3
    assert len({styles[n][1] for n in ("Mikkel", "Sara", "Freja")}) == 3
    assert styles["Mikkel"][2] == tuple(SELF_DASH) and styles["Sara"][2] == tuple(SELF_DASH)
    assert styles["Sara about Mikkel"][2] == tuple(OTHER_DASH)
    # The cutoff lines are drawn in the person's colour at full strength.
    rule = panel(graph_spec(data, "en"), "outcome")["layer"][0]["mark"]
    assert "opacity" not in rule and rule["strokeWidth"] >= 1.5


def test_the_key_explains_the_dashed_cutoff_and_the_dotted_path(family):
    from fokus.insights.graph import CUTOFF_DASH, ETR_DASH

    _world, data, _tracks = family
    for lang, words in (("en", ("wellbeing cutoff", "expected path")),
                        ("da", ("grænsen for trivsel", "forventet kurve"))):
        key = graph_spec(data, lang)["vconcat"][0]
        texts = " ".join(" ".join(r["text"]) for r in key["data"]["values"])
        assert all(w in texts for w in words)
        dashes = [layer["mark"].get("strokeDash") for layer in key["layer"]]
        assert CUTOFF_DASH in dashes and ETR_DASH in dashes


def test_cutoff_labels_one_per_value_and_never_overlapping(family):
    from fokus.insights.graph import LABEL_GAP, cutoff_labels, spread_labels

    _world, data, _tracks = family
    labels = cutoff_labels(data, "en", "staff", 240)
    # Mikkel 32; Sara about Mikkel and Freja 28 (one label); Sara 25.
    assert [r["cutoff"] for r in labels] == [32.0, 28.0, 25.0]
    ys = sorted(r["y"] for r in labels)
    assert all(b - a >= LABEL_GAP for a, b in zip(ys, ys[1:], strict=False))
    # Close values are pushed apart; the same place twice gives two spaced labels.
    spread = spread_labels([100.0, 101.0, 100.5, 30.0], LABEL_GAP)
    assert spread[3] == 30.0
    assert sorted(spread) == sorted(set(spread))
    pos = sorted(spread)
    assert all(b - a >= LABEL_GAP for a, b in zip(pos, pos[1:], strict=False))


def test_two_parents_cutoffs_at_one_value_are_one_label(world):
    from fokus.insights.graph import cutoff_labels

    father = _add_adult(world, "Ole")
    world.rate(world.mother, "ORS", _split(20.0), on=day(0))
    world.rate(father, "ORS", _split(22.0), on=day(0))
    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    labels = cutoff_labels(data, "en", "staff", 240)
    assert len(labels) == 1 and labels[0]["text"] == "cutoff 25: Sara, Ole"


def _add_adult(world, name):
    from fokus.cases import actions

    return actions.add_person(world.anna, world.hansen, first_name=name, role="father",
                              birth_date=datetime.date(1980, 3, 1))


def test_text_at_least_12_px_as_drawn_at_tablet_and_phone_width(family):
    from fokus.insights.graph import SIZES

    _world, data, tracks = family
    # The page's content width: 1024 and 390 px less the main area's padding (2 x 16 px).
    for size, shown in (("tablet", 1024 - 32), ("phone", 390 - 32)):
        graph = case_graph(data, tracks, "en", SIZES[size])
        sizes = _font_sizes(graph.spec)
        assert sizes and min(sizes) >= 13
        width = float(graph.svg.split('width="', 1)[1].split('"', 1)[0])
        drawn = min(sizes) * min(1.0, shown / width)
        assert drawn >= 12, (size, width, drawn)


def test_screen_reader_labels_in_the_page_language_only(family):
    _world, data, tracks = family
    svg = case_graph(data, tracks, "da").svg
    assert svg.startswith('<svg role="img" aria-label="Graf over familiens scoringer')
    assert "<title>Graf over familiens scoringer" in svg
    # No Vega-made (English) descriptions: one label, the root's.
    assert svg.count("aria-label=") == 1
    assert "aria-roledescription" not in svg and "titled" not in svg
    assert "Dato" in svg and "grænse" in svg


def test_the_family_sees_words_a_child_understands(family):
    from fokus.insights.graph import FAMILY

    _world, data, tracks = family
    for lang, words, not_words in (
            ("da", ("Sådan går det", "hvor de fleste børn, der har det godt, er"),
             ("grænse", "ETR")),
            ("en", ("How life is going", "where most children who feel good are"),
             ("cutoff", "ETR"))):
        graph = case_graph(data, tracks, lang, 560, audience=FAMILY,
                           keep=lambda x: x.person_id == data.person_order[0])
        svg = graph.svg
        assert all(w in svg for w in words), lang
        assert not any(w in svg for w in not_words), lang


@pytest.mark.django_db
def test_expected_path_in_the_graph_equals_what_the_text_says_over_the_demo_cases():
    """Every outcome series of every generated demo case (150 cases): the graph draws an
    expected path exactly when the sentence beside it says there is one."""
    from django.utils import translation

    from fokus.cases.models import Case
    from fokus.demo.generator import generate_demo

    generate_demo()
    checked = with_path = without = 0
    for case in Case.objects.prefetch_related("persons", "meetings", "ratings__instrument",
                                              "ratings__person", "ratings__rater",
                                              "missing_ratings"):
        data = case_series(case)
        if not data.outcome:
            continue
        with translation.override("en"):
            tracks, _signals = case_signals(data, "en", prompts={})
            graph = case_graph(data, tracks, "en")
        drawn = {r["series"] for r in _layer_rows(graph.spec, "outcome", 2)}
        for track, line in zip(tracks, graph.summary, strict=False):
            says_none = "no expected path" in line
            assert says_none == (track.label not in drawn), (case.pk, line)
            assert bool(graph.etr[track.series.key]) == (track.label in drawn)
            checked += 1
            with_path += not says_none
            without += says_none
    assert checked > 300 and with_path and without
