"""The DPO answers "who has seen this child's data?" (issue 11): a caseworker opens the
child's case; the DPO logs in, finds the child, sees the caseworker's read with its time
and purpose, and downloads the CSV. axe-core on the DPO's pages."""

import csv
import io

from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from tests.browser.conftest import TABLET, assert_accessible, screenshot


def test_the_dpo_finds_who_has_seen_mikkels_data(browser, live_server, page, log_in,
                                                  browser_world):
    from fokus.accounts.models import Role, User
    from tests.conftest import PASSWORD

    world = browser_world
    User.objects.create_user("dpo", password=PASSWORD, organisation=world.org, role=Role.DPO,
                             first_name="Dina", last_name="Dahl")

    # Anna, the caseworker, opens the Hansen family's case.
    log_in("anna")
    page.goto(f"/cases/{world.hansen.pk}/")
    page.get_by_role("heading", level=1, name="Familien Hansen").wait_for()
    read = AccessLogEntry.objects.filter(username="anna", action="read", purpose="case page",
                                         case_id=world.hansen.pk).latest("id")
    at = timezone.localtime(read.at)

    # The DPO, on her own machine, logs in and lands on the access log.
    context = browser.new_context(viewport=TABLET, base_url=live_server.url, locale="da-DK",
                                  accept_downloads=True)
    dpo = context.new_page()
    dpo.set_default_timeout(10_000)
    try:
        dpo.goto("/login/")
        dpo.get_by_label("Brugernavn").fill("dpo")
        dpo.get_by_label("Adgangskode").fill(PASSWORD)
        dpo.get_by_role("button", name="Log ind").click()
        dpo.wait_for_url("**/dpo/")
        dpo.get_by_role("heading", level=1, name="Adgangslog").wait_for()

        # She finds the child by name (a POST: no name in the URL).
        dpo.get_by_label("Navn (fornavn, efternavn eller begge)").fill("Mikkel")
        dpo.get_by_role("button", name="Søg").click()
        link = dpo.get_by_role("link", name="Mikkel Hansen")
        link.wait_for()
        assert "Mikkel" not in dpo.url
        assert_accessible(dpo, "the DPO's search with its result")
        link.click()
        dpo.get_by_role("heading", level=1, name="Hvem har set oplysninger om Mikkel Hansen"
                        ).wait_for()

        # Anna's read: her name and role, the time and the purpose.
        anna = dpo.locator("section.dpo-group").filter(
            has=dpo.get_by_role("heading", level=2, name="Anna"))
        assert "Rådgiver" in anna.get_by_role("heading", level=2).inner_text()
        # The purpose in Danish words, not the stored code ("case page").
        row = anna.locator("tr").filter(has_text="sagens side").first
        assert f"{at:%d.%m.%Y %H.%M}" in row.inner_text() or f"{at:%d.%m.%Y %H:%M}" in (
            row.inner_text()), row.inner_text()
        assert "Læst" in row.inner_text() and "case page" not in row.inner_text()
        assert f"sag {world.hansen.pk}" in row.inner_text()
        screenshot(dpo, "dpo-person")
        assert_accessible(dpo, "who has seen the child's data")

        # The CSV for the citizen's request.
        with dpo.expect_download() as download:
            dpo.get_by_role("link", name="Hent som CSV").click()
        body = download.value.path().read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body), delimiter=";"))
        assert any(r[2] == "anna" and r[12] == "case page" and r[13] == "sagens side"
                   for r in rows[1:]), rows
        assert download.value.suggested_filename == (
            f"fokus-adgangslog-person-{world.child.pk}.csv")
    finally:
        context.close()

    # Each of the DPO's reads is in the log: the search, the page, the export.
    purposes = list(AccessLogEntry.objects.filter(username="dpo").exclude(
        object_type="account").values_list("purpose", flat=True).order_by("id"))
    assert purposes == ["DPO: find a person", "DPO: person's log",
                        "DPO: person's log exported as CSV"]


def test_the_dpos_user_page_is_accessible(page, browser_world, live_server):
    from fokus.accounts.models import Role, User
    from tests.conftest import PASSWORD

    world = browser_world
    User.objects.create_user("dpo", password=PASSWORD, organisation=world.org, role=Role.DPO)
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill("dpo")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/dpo/")
    assert_accessible(page, "the DPO's start page")
    page.get_by_label("Bruger", exact=True).select_option(str(world.anna.pk))
    page.get_by_role("button", name="Vis").last.click()
    page.wait_for_url(f"**/dpo/users/{world.anna.pk}/")
    page.get_by_role("heading", level=1, name="Alt hvad Anna har gjort").wait_for()
    assert_accessible(page, "everything one user did")
    # Keyboard: the period's first field is reachable and a bad period is explained.
    page.get_by_label("Fra").fill("2026-12-31")
    page.get_by_label("Til og med").fill("2026-01-01")
    page.get_by_label("Til og med").press("Enter")
    page.get_by_role("alert").wait_for()
    assert "Startdatoen skal være" in page.get_by_role("alert").inner_text()
