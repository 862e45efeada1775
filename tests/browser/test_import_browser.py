"""The import page as a new team leader uses it (issue 13): a spreadsheet saved by Danish
Excel (Danish headers, semicolons, decimal commas) with two bad rows is uploaded, the
preselected columns confirmed, the two rows reported with their line and reason and
nothing stored; the fixed file uploaded again and imported; the progress bar, polled by
its script, reaches done; the ratings are on the case page. axe-core clean at tablet and
phone widths; screenshots in /tmp/importpage-*.png."""

from django.urls import reverse
from playwright.sync_api import expect

from fokus.cases.models import Case
from fokus.interchange.models import ImportJob
from fokus.interchange.tasks import import_job_now
from fokus.ratings.models import Rating
from tests.browser.conftest import PHONE, TABLET, assert_accessible, screenshot
from tests.test_import_page import spreadsheet

# The worker is not running in the test: the job waits, the test runs it, the page polls.
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def shot(page, name):
    screenshot(page, f"import-{name}")
    # Also where the review looks at them (generated data only).
    page.screenshot(path=f"/tmp/importpage-{name}.png", full_page=True)  # noqa: S108


def upload(page, content: bytes):
    page.get_by_label("Filen (CSV eller Excel-projektmappe, .xlsx)").set_input_files(
        {"name": "målinger fra papir.csv", "mimeType": "text/csv", "buffer": content})
    page.get_by_label("Det team, de nye sager kommer i").select_option(label="Team Nord")
    page.get_by_role("button", name="Upload og vælg kolonner").click()
    page.wait_for_url("**/kolonner/")


def test_a_team_leader_imports_a_danish_spreadsheet_after_fixing_two_rows(
        page, browser_world, log_in, settings):
    settings.TASKS = DUMMY
    ratings = Rating.objects.count()
    log_in("lise")
    page.get_by_role("link", name="Importér målinger").click()
    page.wait_for_url("**/import/")
    assert_accessible(page, "import upload")
    shot(page, "upload-tablet")

    upload(page, spreadsheet(bad=True))
    # The Danish headers are recognised: the columns are chosen already.
    assert page.get_by_label("Sagsnummer").input_value() == "Sagsnr"
    assert page.get_by_label("Dato", exact=True).input_value() == "Dato"
    assert page.get_by_label("Linje 1").input_value() == "Spm1"
    assert "Sagens nummer" in page.locator("table.mapping").inner_text()
    assert_accessible(page, "import mapping")
    shot(page, "mapping-tablet")
    page.set_viewport_size(PHONE)
    assert_accessible(page, "import mapping (phone)")
    shot(page, "mapping-phone")
    page.set_viewport_size(TABLET)
    page.get_by_role("button", name="Kontrollér filen").click()
    page.wait_for_url("**/kontrol/")

    assert page.get_by_role("heading", name="2 rækker kan ikke tages med. Intet er gemt.")
    report = page.locator("table.import-report tbody tr")
    assert report.count() == 2
    line3, line6 = report.nth(0).inner_text(), report.nth(1).inner_text()
    assert line3.startswith("3") and "12" in line3
    assert line6.startswith("6") and "XYZ" in line6
    assert page.get_by_role("button", name="Importér").count() == 0
    assert Rating.objects.count() == ratings
    assert_accessible(page, "import report")
    shot(page, "report-tablet")
    page.set_viewport_size(PHONE)
    assert_accessible(page, "import report (phone)")
    shot(page, "report-phone")
    page.set_viewport_size(TABLET)

    # Fixed in the spreadsheet and uploaded again.
    page.get_by_role("link", name="Upload den rettede fil").click()
    upload(page, spreadsheet(bad=False))
    page.get_by_role("button", name="Kontrollér filen").click()
    page.wait_for_url("**/kontrol/")
    assert "Alle rækker kan tages med" in page.locator("main").inner_text()
    assert page.locator("table.import-preview tbody tr").count() == 5
    assert_accessible(page, "import preview")
    shot(page, "preview-tablet")
    page.get_by_role("button", name="Importér 5 målinger").click()
    page.wait_for_selector("progress#import-bar")

    bar = page.locator("progress#import-bar")
    assert bar.get_attribute("value") == "0"
    job = ImportJob.objects.get(state=ImportJob.State.QUEUED)
    assert import_job_now(str(job.pk)) == "done"  # the worker's turn
    # The page's script polls the status (no eval here: the CSP forbids it).
    status = page.locator("#import-text")
    expect(status).to_have_attribute("data-state", "done", timeout=15_000)
    expect(bar).to_have_attribute("value", "100")
    assert "Importeret: 5 målinger, 2 nye sager" in status.inner_text()
    assert_accessible(page, "import done")
    shot(page, "done-tablet")
    page.set_viewport_size(PHONE)
    shot(page, "done-phone")
    page.set_viewport_size(TABLET)
    assert Rating.objects.count() == ratings + 5

    case = Case.objects.get(reference="IMP-1")
    page.goto(reverse("insights:case", kwargs={"case_id": case.pk}))
    shot(page, "case-tablet")
    text = page.locator("main").inner_text()
    assert Rating.objects.filter(case=case).count() == 4
    # The four ratings of the case, with the file's totals read with decimal commas.
    for on, total in (("10.01.2024", "18,7"), ("07.02.2024", "22,6"), ("10.01.2024", "12,5"),
                      ("07.02.2024", "19,5")):
        assert on in text and total in text
