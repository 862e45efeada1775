"""Benchmark of sending a rating link (issue 12): how long the caseworker's request takes
when the worker sends the message, and when the request sends it itself (the immediate
task backend) to a mail server that is up, refuses, or accepts the connection and never
answers; and one attempt of the worker's task.

    .venv/bin/python bench/link_sending_bench.py              # 20 rounds, a new SQLite file
    .venv/bin/python bench/link_sending_bench.py --rounds 50

Runs in this process with Django's test client against a test database made for the run
(the personas of tests/conftest.py). The hanging mail server is a socket that accepts
and never speaks; FOKUS_EMAIL_TIMEOUT is set to 2 s for it. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")

DATABASE = "django_tasks_db.DatabaseBackend"
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _ms(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"median {statistics.median(times) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from fokus.ratings.models import RatingLink
    from fokus.ratings.tasks import attempt_send
    from tests.conftest import World

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        world = World()
        client = Client()
        client.force_login(world.anna)
        url = reverse("ratings:link_send", kwargs={"case_id": world.hansen.pk})
        form = {"rater": world.mother.pk, "person": world.mother.pk, "measures": "outcome",
                "channel": "email", "address": "sara@example.org"}

        refused = socket.socket()
        refused.bind(("127.0.0.1", 0))
        refused_port = refused.getsockname()[1]
        refused.close()  # nothing listens there now
        hanging = socket.socket()
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(100)  # accepts (the kernel's backlog) and never answers
        hanging_port = hanging.getsockname()[1]

        cases = [
            ("worker sends (database queue), mail server down", DATABASE, SMTP, refused_port),
            ("request sends (immediate), mail server up", IMMEDIATE, LOCMEM, 0),
            ("request sends (immediate), connection refused", IMMEDIATE, SMTP, refused_port),
            ("request sends (immediate), server never answers", IMMEDIATE, SMTP, hanging_port),
        ]
        with override_settings(TASKS={"default": {"BACKEND": DATABASE}}):
            client.post(url, form)  # warm-up: templates, translations, first queries
        print(f"POST ratings:link_send, {args.rounds} rounds each (SQLite, test client)")
        for label, backend, mail, port in cases:
            rounds = args.rounds if port != hanging_port else max(3, args.rounds // 5)
            times = []
            with override_settings(TASKS={"default": {"BACKEND": backend}}, EMAIL_BACKEND=mail,
                                   EMAIL_HOST="127.0.0.1", EMAIL_PORT=port or 25,
                                   EMAIL_TIMEOUT=2):
                for _ in range(rounds):
                    start = time.perf_counter()
                    response = client.post(url, form)
                    times.append(time.perf_counter() - start)
                    assert response.status_code in (200, 302), response.status_code
            print(f"  {label:<52} {_ms(times)}   ({rounds} rounds)")

        print("One attempt of the worker's task (fokus.ratings.tasks.attempt_send)")
        for label, mail, port in (("mail server up (locmem)", LOCMEM, 0),
                                  ("connection refused: retry enqueued", SMTP, refused_port)):
            times = []
            with override_settings(TASKS={"default": {"BACKEND": DATABASE}}, EMAIL_BACKEND=mail,
                                   EMAIL_HOST="127.0.0.1", EMAIL_PORT=port or 25,
                                   EMAIL_TIMEOUT=2):
                for _ in range(args.rounds):
                    client.post(url, form)
                    link = RatingLink.objects.order_by("-pk").first()
                    start = time.perf_counter()
                    attempt_send(link.pk, "http://testserver")
                    times.append(time.perf_counter() - start)
            print(f"  {label:<52} {_ms(times)}")
        hanging.close()
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
