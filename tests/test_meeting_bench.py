"""The meeting benchmark cannot rot: its measurement runs (two rounds) against the
test database through a real server. No timing is asserted."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import PASSWORD

BENCH = Path(__file__).resolve().parents[1] / "bench" / "meeting_bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("meeting_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def world_tx(transactional_db):
    from tests.conftest import World

    return World()


def test_the_meeting_bench_measures_every_operation(world_tx, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    bench = _bench()
    world_tx.rate(world_tx.mother, "ORS", [5, 5, 5, 5])  # a graph on the case page
    case_id, person_id = bench.pick_case("anna")
    assert case_id == world_tx.hansen.pk
    override = {c.alias: c for c in connections.all()
                if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in override.values():  # as LiveServerTestCase does
        conn.inc_thread_sharing()
    thread, base_url = bench.start_server(connections_override=override)
    try:
        outcome = bench.measure(base_url, case_id=case_id, person_id=person_id,
                                password=PASSWORD, rounds=2, warmup=1)
    finally:
        thread.terminate()
        for conn in override.values():
            conn.dec_thread_sharing()
    results = outcome["results"]
    assert [r.operation for r in results] == bench.OPERATIONS
    for r in results:
        assert r.n == 2
        assert all(ms > 0 for ms in r.samples_ms)
        assert r.median_ms > 0 and r.p95_ms > 0
    assert outcome["cold_misses"] == 2
    assert "OK" in bench.table(results) or "OVER" in bench.table(results)
