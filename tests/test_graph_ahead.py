"""The graph rendered ahead by the task worker, and never served stale."""

import pytest
from django.core.management import get_commands
from django.urls import reverse

from fokus.insights.models import GraphImage

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _rate(world, django_capture_on_commit_callbacks, total=5):
    with django_capture_on_commit_callbacks(execute=True):
        world.rate(world.child, "CORS", [str(total)] * 4)


def test_the_database_backend_is_the_default_and_the_worker_command_exists():
    from django.conf import settings

    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert get_commands()["db_worker"] == "django_tasks_db"


def test_a_committed_rating_enqueues_the_graph_of_its_case(world, settings,
                                                           django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    settings.TASKS = DUMMY
    _rate(world, django_capture_on_commit_callbacks)
    results = default_task_backend.results
    assert [(r.task.name, r.args) for r in results] == [("render_graph_ahead", [world.hansen.pk])]
    default_task_backend.clear()


def test_the_task_renders_ahead_and_the_view_serves_the_kept_svg(world, settings, login,
                                                                 django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    _rate(world, django_capture_on_commit_callbacks)
    kept = {(g.language, g.size): g for g in GraphImage.objects.filter(case=world.hansen)}
    assert set(kept) == {("da", "tablet"), ("da", "phone"), ("en", "tablet"), ("en", "phone"),
                         ("da", "record")}  # the record's graph too (fokus.insights.record)
    assert kept["da", "tablet"].svg.startswith('<svg role="img"')
    # The view serves what is kept (marked here, so that a new render would show).
    GraphImage.objects.filter(pk=kept["en", "tablet"].pk).update(svg="<svg>kept</svg>")
    client = login(world.anna)
    url = reverse("insights:case_graph_svg", args=[world.hansen.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.content == b"<svg>kept</svg>"
    assert response["ETag"] == f'"{kept["en", "tablet"].version}"'
    GraphImage.objects.filter(pk=kept["da", "phone"].pk).update(svg="<svg>phone</svg>")
    assert client.get(url + "?size=phone", HTTP_ACCEPT_LANGUAGE="da").content == b"<svg>phone</svg>"


def test_a_new_rating_makes_the_kept_svg_stale_and_it_is_never_served(
        world, settings, login, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    _rate(world, django_capture_on_commit_callbacks, 5)
    GraphImage.objects.update(svg="<svg>stale-marker</svg>")
    old_version = GraphImage.objects.get(case=world.hansen, language="en", size="tablet").version
    # A new rating; the worker has not run (the dummy backend only queues it).
    settings.TASKS = DUMMY
    _rate(world, django_capture_on_commit_callbacks, 7)
    client = login(world.anna)
    url = reverse("insights:case_graph_svg", args=[world.hansen.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"stale-marker" not in response.content and response.content.startswith(b'<svg role="img"')
    assert response["ETag"] != f'"{old_version}"'
    # The view kept what it rendered, under the new version.
    row = GraphImage.objects.get(case=world.hansen, language="en", size="tablet")
    assert row.version != old_version and row.svg == response.content.decode()


def test_without_a_worker_the_view_renders_itself_and_never_fails(world, settings, login,
                                                                  django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _rate(world, django_capture_on_commit_callbacks)  # queued in the database, never run
    assert not GraphImage.objects.exists()
    client = login(world.anna)
    response = client.get(reverse("insights:case_graph_svg", args=[world.hansen.pk]))
    assert response.status_code == 200 and response.content.startswith(b'<svg role="img"')
    assert GraphImage.objects.filter(case=world.hansen).count() == 1


@pytest.mark.django_db
def test_the_renderer_is_warmed_when_serving():
    from fokus.insights.apps import serving

    assert serving(["fokus", "runserver", "0:8000"])
    assert serving(["fokus", "db_worker"])
    assert serving(["/usr/bin/gunicorn", "fokus.wsgi"])
    assert not serving(["fokus", "migrate"])


def test_the_key_changes_with_a_rating_a_name_and_the_language(world):
    from fokus.insights.tasks import graph_keys

    world.rate(world.child, "CORS", ["5"] * 4)
    org = world.hansen.organisation_id
    first = graph_keys(world.hansen.pk, org, "en")
    assert first == graph_keys(world.hansen.pk, org, "en")  # nothing changed
    assert first["tablet"] != first["phone"]
    assert graph_keys(world.hansen.pk, org, "da")["tablet"] != first["tablet"]
    world.child.first_name = "Mikael"
    world.child.save(update_fields=["first_name"])
    renamed = graph_keys(world.hansen.pk, org, "en")
    assert renamed["tablet"] != first["tablet"]
    world.rate(world.child, "CORS", ["6"] * 4)
    assert graph_keys(world.hansen.pk, org, "en")["tablet"] != renamed["tablet"]


def test_the_record_pdf_reads_the_graph_the_worker_kept(world, settings, login,
                                                        django_capture_on_commit_callbacks):
    """The record's request draws no graph when the worker has drawn it (issue 12: the
    renderer adds about 60 MB to a process); a kept picture of an older graph is never
    used: the record draws the graph now and keeps it."""
    import base64

    from django.utils import timezone

    from fokus.cases.models import Case, Meeting
    from fokus.insights.record import RECORD_GRAPH_SIZE, record_context

    settings.TASKS = IMMEDIATE
    _rate(world, django_capture_on_commit_callbacks)
    meeting = Meeting.objects.create(case=world.hansen, held_on=timezone.localdate(),
                                     kind="home_visit", caseworker=world.anna)
    marker = '<svg role="img"><title>kept by the worker</title></svg>'
    GraphImage.objects.filter(case=world.hansen, size=RECORD_GRAPH_SIZE).update(svg=marker)
    uri = record_context(world.hansen, meeting, None)["graph_data_uri"]
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == marker
    # A new rating: the kept picture is not the graph now; the record draws it itself.
    settings.TASKS = DUMMY
    _rate(world, django_capture_on_commit_callbacks, 7)
    case = Case.objects.prefetch_related("ratings__instrument", "ratings__person",
                                         "ratings__rater", "persons", "meetings").get(
        pk=world.hansen.pk)
    drawn = base64.b64decode(record_context(case, meeting, None)["graph_data_uri"]
                             .split(",", 1)[1]).decode()
    assert drawn != marker and drawn.startswith('<svg role="img"')
    assert GraphImage.objects.get(case=world.hansen, size=RECORD_GRAPH_SIZE).svg == drawn
