import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
application = get_wsgi_application()


def _load_and_freeze() -> None:
    """Import every view (and with them the statistics libraries) now, then move all
    that start-up memory out of the garbage collector's reach: otherwise a full
    collection walks it during some request and adds ~90 ms to it (measured with
    bench/meeting_bench.py)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and its views
    gc.collect()
    gc.freeze()


_load_and_freeze()
