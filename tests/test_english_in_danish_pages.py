"""No English left in the Danish pages (WCAG 3.1.2): every page each persona reaches,
rendered in Danish with ratings and meetings in the case, has none of the common English
words outside an element marked lang="en" (the ETR sets' published name, "Feedback
Informed Treatment"). The Django admin's data (instrument names, sources) is left out."""

import datetime
import re

from django.utils import timezone

from tests.browser.test_reflow_browser import PAGES

ENGLISH = {"the", "and", "of", "is", "are", "was", "with", "from", "this", "that", "which",
           "your", "published", "sets", "rating", "ratings", "meeting", "graph", "cutoff",
           "expected", "titled", "series", "informed", "treatment"}
# What is not English text: web addresses (was.digst.dk) and the instruments' own names
# ("Child Outcome Rating Scale", "WHO-5 Well-Being Index") in the paper form's choices.
NOT_TEXT = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b|(?:[A-Z][\w-]* )+(?:Rating Scale|Index)\b")
MARKED = re.compile(r'(?s)<(span|p|div|option)\b[^>]*\blang="?en"?[^>]*>.*?</\1>')


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = MARKED.sub(" ", html)
    attrs = " ".join(re.findall(r'(?:alt|title|aria-label|placeholder|data-label)="([^"]*)"', html))
    return NOT_TEXT.sub(" ", re.sub(r"(?s)<[^>]+>", " ", html) + " " + attrs)


def test_the_danish_pages_have_no_unmarked_english(world, client):
    from fokus.cases.actions import record_meeting

    today = timezone.localdate()
    for days_ago in (28, 0):
        on = today - datetime.timedelta(days=days_ago)
        meeting = record_meeting(world.anna, world.hansen, kind="home_visit",
                                 participants=[world.child, world.mother], held_on=on)
        world.rate(world.child, "CORS", (4, 5, 4, 5), on=on, meeting=meeting)
        world.rate(world.mother, "ORS", (5, 6, 5, 6), on=on, meeting=meeting)
    ids = {"hansen": world.hansen.pk, "meeting": meeting.pk}
    found = []
    for username, urls in PAGES.items():
        if username == "admin":
            continue
        client.force_login(getattr(world, username))
        for url in [*urls, "/tilgaengelighed/", "/privatliv/"]:
            response = client.get(url.format(**ids), HTTP_ACCEPT_LANGUAGE="da", follow=True)
            assert response.status_code == 200, url
            text = _visible_text(response.content.decode())
            words = sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH})
            if words:
                found.append((username, url, words))
        client.logout()
    # The published ETR sets' name is data in English: marked, not translated.
    client.force_login(world.lise)
    for url in (f"/cases/{world.hansen.pk}/", "/dashboards/outcomes/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
        assert '<span lang="en">BON 2023 published sets</span>' in page, url
    client.logout()
    login = _visible_text(client.get("/login/", HTTP_ACCEPT_LANGUAGE="da").content.decode())
    assert "Informed" not in login
    assert found == [], found
