"""The Content Security Policy on the server's side (issue 11, docs/csp.md): every response
carries the strict header; a nonce appears only on a response that used one; no template
and no rendered page has an inline script, an inline style, a style="" attribute, an
on*= handler or a javascript: URL (the browser would refuse them: see
tests/browser/test_csp_browser.py for the pages in Chromium)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from fokus.cases.models import Meeting
from tests.test_dashboards import add_cases
from tests.test_graph import rate_family

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = values
    return directives


def assert_strict(response, what: str):
    assert "Content-Security-Policy" in response, f"no policy on {what}"
    assert policy(response) == STRICT, f"{what}: {response['Content-Security-Policy']}"


# ---- the header ----

def test_anonymous_pages_and_errors_carry_the_strict_policy(client, db):
    assert_strict(client.get(reverse("login")), "login")
    assert_strict(client.get(reverse("accessibility")), "accessibility statement")
    assert_strict(client.get(reverse("ratings:privacy")), "privacy notice")
    assert_strict(client.get("/r/not-a-token/"), "unknown rating link")
    assert_strict(client.get("/no-such-page/"), "404")
    response = client.get(reverse("insights:case_list"))
    assert response.status_code == 302
    assert_strict(response, "redirect to login")


def test_the_caseworkers_pages_files_and_images_carry_it(client, world):
    rate_family(world)
    client.force_login(world.anna)
    case = {"case_id": world.hansen.pk}
    for name, kwargs in [("insights:case_list", {}), ("insights:case", case),
                         ("insights:case_graph_svg", case), ("insights:record", case),
                         ("ratings:paper_entry", case),
                         ("insights:board", {"team_id": world.team_nord.pk}),
                         ("insights:my_figures", {})]:
        response = client.get(reverse(name, kwargs=kwargs), **EN)
        assert response.status_code == 200, name
        assert_strict(response, name)
    response = client.post(reverse("ratings:paper_entry", kwargs=case),
                           {"instrument": "ORS", "rated_on": "not a date"}, **EN)
    assert_strict(response, "a refused form")
    assert_strict(client.get(reverse("admin:index")), "admin refused to a caseworker")


def test_the_family_screen_and_its_service_worker_carry_it(client, world):
    client.force_login(world.anna)
    client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": [world.child.pk, world.mother.pk]}, **EN)
    meeting = Meeting.objects.get(case=world.hansen)
    c = world.child.pk
    client.post(reverse("ratings:hand_over", kwargs={"case_id": world.hansen.pk,
                                                     "meeting_id": meeting.pk}),
                {"steps": [f"outcome-{c}-{c}"]}, **EN)
    screen = client.get(reverse("ratings:kiosk"), **EN)
    assert screen.status_code == 200
    assert_strict(screen, "family screen")
    worker = client.get(reverse("ratings:kiosk_service_worker"))
    assert worker.status_code == 200
    assert_strict(worker, "service worker")
    assert_strict(client.get(reverse("ratings:unlock"), **EN), "unlock")


def test_the_admin_carries_it(client, world):
    client.force_login(world.admin)
    for url in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{world.anna.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, url)


def test_a_nonce_is_added_only_to_a_response_that_used_one():
    """script-src carries 'nonce-…' only when a template asked for {{ request.csp_nonce }},
    a new one each time; every other response keeps script-src 'self' alone."""
    from csp.middleware import CSPMiddleware

    def used(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    def unused(request):
        return HttpResponse("<p>no script</p>")

    factory = RequestFactory()
    nonces = []
    for _ in range(2):
        response = CSPMiddleware(used)(factory.get("/"))
        script_src = policy(response)["script-src"]
        assert script_src[0] == "'self'" and script_src[1].startswith("'nonce-")
        nonce = script_src[1][len("'nonce-"):-1]
        assert f'nonce="{nonce}"' in response.content.decode()
        assert len(nonce) >= 22  # 16 random bytes
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert policy(CSPMiddleware(unused)(factory.get("/")))["script-src"] == ["'self'"]


def test_the_policy_allows_nothing_unsafe():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    text = repr(directives)
    for forbidden in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "data:", "blob:",
                      "http:", "https:", "'*'"):
        assert forbidden not in text, forbidden
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "CONTENT_SECURITY_POLICY_REPORT_ONLY" not in dir(settings)  # enforced, not reported


# ---- no inline script or style anywhere ----

INLINE = [
    ("an inline <script>", re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)),
    ("a <style> block", re.compile(r"<style\b", re.I)),
    ("a style attribute", re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)),
    ("an on*= handler", re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)),
    ("an hx-on attribute", re.compile(r"\shx-on", re.I)),
    ("a javascript: URL", re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)),
]
# A <script> that only carries data (json_script) runs nothing and is allowed.
DATA_SCRIPT = re.compile(r'<script\b[^>]*type="application/(?:ld\+)?json"[^>]*>', re.I)


def inline_code(html: str) -> list[str]:
    html = DATA_SCRIPT.sub("", html)
    found = []
    for what, pattern in INLINE:
        for match in pattern.finditer(html):
            line = html.count("\n", 0, match.start()) + 1
            found.append(f"{what} at line {line}: {match.group(0)[:80]!r}")
    return found


def test_the_check_finds_what_it_looks_for():
    assert len(inline_code('<p style="color: red" onclick="x()">x</p><style>p{}</style>'
                           '<script>alert(1)</script><a href="javascript:x()">x</a>')) == 5
    assert inline_code('<script src="/static/x.js" defer></script><div class="style">'
                       '<script id="s" type="application/json">{}</script>') == []


def _templates() -> list[Path]:
    roots = [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    roots += [p for p in (Path(settings.BASE_DIR) / "fokus").glob("*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def _without_comments(source: str) -> str:
    source = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", source, flags=re.S)
    return re.sub(r"\{#.*?#\}", "", source, flags=re.S)


def test_no_template_has_inline_script_or_style():
    """Every template the browser gets. The PDFs (…_pdf.html) are drawn by WeasyPrint on the
    server, where no Content Security Policy applies: their <style> stays."""
    templates = [p for p in _templates() if not p.name.endswith("_pdf.html")]
    assert len(templates) > 40
    problems = {str(p.relative_to(settings.BASE_DIR)): found for p in templates
                if (found := inline_code(_without_comments(p.read_text(encoding="utf-8"))))}
    assert problems == {}


@pytest.mark.parametrize("role", ["anna", "dorte"])
def test_no_rendered_page_has_inline_script_or_style(client, world, role):
    """What the templates and the Python code (the sparklines, the charts drawn by
    vl-convert and put inline) send together."""
    rate_family(world)
    add_cases(world, world.team_nord, world.anna, 3, "bl32_2", "N")
    meeting = Meeting.objects.create(case=world.hansen, held_on=timezone.localdate(),
                                     kind="home_visit", caseworker=world.anna)
    meeting.participants.set([world.child, world.mother])
    client.force_login(getattr(world, role))
    if role == "anna":
        case = {"case_id": world.hansen.pk}
        urls = [reverse("insights:case_list"), reverse("insights:case", kwargs=case),
                reverse("insights:record", kwargs=case),
                reverse("insights:meeting", kwargs={**case, "meeting_id": meeting.pk}),
                reverse("ratings:paper_entry", kwargs=case),
                reverse("insights:board", kwargs={"team_id": world.team_nord.pk}),
                reverse("insights:my_figures")]
    else:
        urls = [reverse("insights:dashboard"), reverse("insights:fit_use")]
    for lang in ("da", "en"):
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            assert response.status_code == 200, url
            assert inline_code(response.content.decode()) == [], url
    if role == "dorte":
        assert "<svg" in client.get(reverse("insights:dashboard")).content.decode()
