"""Playwright for Python driving Debian's Chromium against a live test server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test code's own
# ORM calls are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("FOKUS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's "
                    "chromium when run as root) or `sudo apt-get install chromium`.")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(viewport=TABLET, base_url=live_server.url, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if getattr(request.node, "failed_call", False):
        screenshot(page, f"failed-{request.node.name}")
    context.close()


@pytest.fixture
def log_in(page):
    from tests.conftest import PASSWORD

    def _log_in(username: str):
        page.goto("/login/")
        page.get_by_label("Brugernavn").fill(username)
        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        # Each role lands on its own start page (policy.home_url_name): the caseload,
        # the dashboards, the DPO's page.
        page.wait_for_url(lambda url: "/login/" not in url)
    return _log_in


@pytest.fixture
def browser_world(transactional_db):
    from tests.conftest import World

    return World()


def assert_accessible(page, name: str):
    """axe-core (shipped inside axe-playwright-python) on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
                  for v in results.response["violations"]]
    assert violations == [], f"axe-core violations on {name}: {violations}"


def screenshot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
