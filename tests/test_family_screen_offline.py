"""The family screen's service worker is served from the screen's own path (so that its
scope covers the screen), to anyone, with no data in it, and passes the kiosk lock."""

from django.urls import reverse

from fokus.ratings import kiosk


def test_the_service_worker_is_served_under_the_screens_path(client):
    url = reverse("ratings:kiosk_service_worker")
    assert url == "/ratings/screen/sw.js"
    assert url.rsplit("/", 1)[0] + "/" == reverse("ratings:kiosk")  # default scope: the screen
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert '"fokus-family-screen"' in body and "respondWith" in body


def test_a_handed_over_tablet_may_fetch_it():
    assert "ratings:kiosk_service_worker" in kiosk.OPEN_WHILE_HANDED_OVER
    assert kiosk.KioskMiddleware._open("/ratings/screen/sw.js")
