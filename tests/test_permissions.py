"""The permission matrix: every URL, the methods that matter, every persona.

Everything is tried against one case that has something to leak: Bo's Berg case
in Team Syd, with two meetings, outcome and alliance ratings of a child and a
parent, and a saved meeting record. So its page, its graph image, its record and
the record's PDF all exist, and a refusal is a refusal, not an empty case.

The personas (tests/conftest.py): anon (not logged in), anna (caseworker, Team
Nord), lise (team leader, Team Nord), bo (caseworker, Team Syd, works the Berg
case), karen (FIT superuser: the organisation's cases), dorte (department head:
figures, no case), ali (analyst), admin (administrator), dpo (the data protection
officer: the access log, nothing else), plus two holders of something less than a
login:

- screen: a device on the family screen, handed over by Anna for a meeting of the
  Hansen case (a kiosk grant in its session, nobody logged in);
- link: a person who opened a one-time rating link of the Hansen case.

Each cell runs one request as one persona and checks (see _check):
- the status, and where a redirect goes;
- a persona that may not see the Berg case gets none of its names, reference or
  note, and no SVG or PDF at all; a refusal reads nothing of it (no READ entry);
- a logged-in persona's refusal of a case page is in the access log as DENIED;
- a POST that is refused changes nothing: the rows of every case table, the mail
  sent and the family-screen grant are the same before and after; a POST that is
  allowed (Bo, Karen) changes the Berg case, so the refusals are not refusals of
  a malformed form.
A URL added without rows here fails test_every_url_is_in_the_matrix.

Below the matrix: Anna's own case with the Berg case's meeting, person or record in
the request (refused, nothing changed); the two holders on their own pages; the
admin, which shows no name of a case.

The case and the holders are built once for the module and rolled back after it;
each test runs in a savepoint inside, and checks that it starts from the same rows.
"""

import datetime
import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from fokus.accounts.models import PendingGrant, User
from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Case, Intervention, Meeting, Person
from fokus.insights.models import MeetingRecord, TeamDecision
from fokus.ratings import kiosk, links
from fokus.ratings.models import MissingRating, Rating, RatingAnswer, RatingLink
from tests.conftest import PASSWORD, World, years_ago

# ---------------------------------------------------------------------------
# What a cell expects.


@dataclass(frozen=True)
class Expect:
    status: int
    to: str | None = None     # a redirect: the view it leads to
    berg: bool = False        # the response shows the Berg case (and its read is logged)
    writes: bool = False      # the request changes the Berg case
    own: bool = False         # the request may write, but only to the persona's own case
    denied: bool = False      # a DENIED entry for this persona is in the access log
    figures: bool = False     # a PDF of figures only (the quarterly report): allowed, if it
                              # names nothing of the Berg case
    decides: bool = False     # an approval: the pending grant is decided, nothing else changes

    def __repr__(self):
        return next((name for name, value in globals().items() if value is self),
                    f"Expect({self.status})")


BERG = Expect(200, berg=True)            # the Berg case: page, graph image, record, PDF
PAGE = Expect(200)                       # a page with nothing of the Berg case
WROTE = Expect(302, writes=True)         # an allowed write to the Berg case, then a redirect
LOGIN = Expect(302, to="login")          # not logged in: to the login page, nothing done
UNLOCK = Expect(302, to="ratings:unlock")  # handed over: only the family screen opens
CASES = Expect(302, to="insights:case_list")
HOME = Expect(302, to="insights:home")
CONFIG = Expect(302, to="admin:index")   # the administrator's start: the configuration home
STAFF = Expect(302, to="admin:login")    # the admin: staff only
DENIED = Expect(404, denied=True)        # "missing" and "not yours" alike, and logged
NO_GET = Expect(405)                     # the view takes POST only
CLOSED = Expect(403, denied=True)        # the family screen's endpoint, no screen open; logged
GONE = Expect(410, denied=True)          # a rating link that does not exist; logged
SAVED = Expect(201, own=True)            # the family screen stores its own case's rating
REOPEN = Expect(302, to="insights:meeting", own=True)  # Anna's password: back to her meeting
FIGURES = Expect(200, figures=True)      # the quarterly report: figures, no case
DASH = Expect(302, to="insights:dashboard")  # a department head's start: the figures
DPO_HOME = Expect(302, to="privacy:home")  # the DPO's start: the access log
BOARD = Expect(302, to="insights:board")  # to the persona's own team's board
NO_TEAM = Expect(404)                    # no team, so no board: nothing of a case was asked
SSO_OFF = Expect(404)                    # single sign-on not configured (docs/sign-in.md)
SSO_NO = Expect(403)                     # the page a refused single sign-on lands on
APPROVED = Expect(302, to="accounts:approvals", decides=True)  # a second person approves
REFUSED = Expect(302, to="accounts:approvals", denied=True)  # his own request: refused, logged
MAPPING = Expect(302, to="interchange:import_mapping")  # a file uploaded: to its columns
CHECK = Expect(302, to="interchange:import_preview")   # to the import's report, nothing stored

PERSONAS = ("anon", "anna", "lise", "bo", "karen", "dorte", "ali", "admin", "dpo", "screen",
            "link")
SEES_BERG = {"bo", "karen"}


def row(*cells):
    assert len(cells) == len(PERSONAS)
    return dict(zip(PERSONAS, cells, strict=True))


# ---------------------------------------------------------------------------
# The policy. One row per (URL name, method); one column per persona.

MATRIX = {
    #                                            anon    anna    lise    bo      karen   dorte   ali     admin   dpo     screen  link
    # The family screen's service worker: the same script for everyone, no data in it.
    ("ratings:kiosk_service_worker", "GET"): row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE),
    ("ratings:privacy", "GET"):              row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, PAGE),
    # A meeting started by mistake (the Berg case's meeting without ratings) is cancelled.
    ("ratings:meeting_cancel", "GET"):       row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    ("ratings:meeting_cancel", "POST"):      row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("accessibility", "GET"):                row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, PAGE),
    # Probes for the IT department (issue 12): no login, answered before the session, the
    # family screen's lock and the second factor; /metrics only from FOKUS_METRICS_ALLOWED.
    ("health:live", "GET"):                  row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE),
    ("health:ready", "GET"):                 row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE),
    ("health:metrics", "GET"):               row(PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE),
    ("insights:home", "GET"):                row(LOGIN,  CASES,  CASES,  CASES,  CASES,  DASH,   CASES,  CONFIG, DPO_HOME, UNLOCK, LOGIN),
    ("insights:case_list", "GET"):           row(LOGIN,  PAGE,   PAGE,   BERG,   BERG,   DASH,   PAGE,   CONFIG, DPO_HOME, UNLOCK, LOGIN),
    ("insights:case", "GET"):                row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:case_graph_svg", "GET"):      row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:record", "GET"):              row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:record", "POST"):             row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:record_pdf", "GET"):          row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    # The case's ratings as FHIR R4 NDJSON (issue 13): as the case page; never CPR numbers.
    ("interchange:case_fhir", "GET"):        row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    # Ratings as CSV/XLSX (issue 13): a case's as its page, a team's as its board, the
    # organisation's only for who sees all its cases (not the department head or analyst).
    ("interchange:case_ratings", "GET"):     row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:team_ratings", "GET"):     row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:organisation_ratings", "GET"): row(LOGIN, DENIED, DENIED, DENIED, BERG, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    # The import page (issue 13): a team leader (for his teams) and the FIT superuser; a
    # job is its uploader's only (Lise's here: Karen too gets 404, logged). Lise's file has
    # a bad row, so her import goes back to the report and stores nothing.
    ("interchange:import_upload", "GET"):    row(LOGIN,  DENIED, PAGE,   DENIED, PAGE,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_upload", "POST"):   row(LOGIN,  DENIED, MAPPING,DENIED, MAPPING,DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_mapping", "GET"):   row(LOGIN,  DENIED, PAGE,   DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_mapping", "POST"):  row(LOGIN,  DENIED, CHECK,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_preview", "GET"):   row(LOGIN,  DENIED, PAGE,   DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_start", "GET"):     row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    ("interchange:import_start", "POST"):    row(LOGIN,  DENIED, CHECK,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_progress", "GET"):  row(LOGIN,  DENIED, PAGE,   DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("interchange:import_status", "GET"):    row(LOGIN,  DENIED, PAGE,   DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:meeting", "GET"):             row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    # Team Syd's conference board: its members and the FIT superuser; another team's
    # caseworker or leader, the department head (figures only), an analyst, an
    # administrator and the DPO get 404, logged.
    ("insights:my_board", "GET"):            row(LOGIN,  BOARD,  BOARD,  BOARD,  NO_TEAM,NO_TEAM,NO_TEAM,NO_TEAM,NO_TEAM,UNLOCK, LOGIN),
    ("insights:dashboard", "GET"):           row(LOGIN,  DENIED, PAGE,   DENIED, PAGE,   PAGE,   PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:dashboard_csv", "GET"):       row(LOGIN,  DENIED, PAGE,   DENIED, PAGE,   PAGE,   PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:dashboard_xlsx", "GET"):      row(LOGIN,  DENIED, PAGE,   DENIED, PAGE,   PAGE,   PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:report_pdf", "GET"):          row(LOGIN,  DENIED, FIGURES,DENIED, FIGURES,FIGURES,FIGURES,DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:fit_use", "GET"):             row(LOGIN,  DENIED, PAGE,   DENIED, PAGE,   PAGE,   PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    # A caseworker's own figures: hers (and a team leader's own); never the FIT
    # superuser's, the department head's, the analyst's, the administrator's or the DPO's.
    ("insights:my_figures", "GET"):          row(LOGIN,  PAGE,   PAGE,   PAGE,   DENIED, DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:board", "GET"):               row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:board", "POST"):              row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("insights:kiosk_graph", "GET"):         row(LOGIN,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  PAGE,   LOGIN),
    ("insights:kiosk_family_graph", "GET"):  row(LOGIN,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  PAGE,   LOGIN),
    ("cases:person_add", "GET"):             row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("cases:person_add", "POST"):            row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("cases:person_privacy", "GET"):         row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    ("cases:person_privacy", "POST"):        row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:paper_entry", "GET"):          row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:paper_entry", "POST"):         row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:meeting_start", "GET"):        row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:meeting_start", "POST"):       row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:hand_over", "GET"):            row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    # An allowed hand-over leaves a family-screen grant for the Berg case in the session.
    ("ratings:hand_over", "POST"):           row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:missing_rating", "GET"):       row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    ("ratings:missing_rating", "POST"):      row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:link_send", "GET"):            row(LOGIN,  DENIED, DENIED, BERG,   BERG,   DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    ("ratings:link_send", "POST"):           row(LOGIN,  DENIED, DENIED, WROTE,  WROTE,  DENIED, DENIED, DENIED, DENIED, UNLOCK, LOGIN),
    # The family screen shows the case of its own grant (Hansen), never a case named in a request.
    ("ratings:kiosk", "GET"):                row(LOGIN,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  PAGE,   LOGIN),
    ("ratings:kiosk_submit", "GET"):         row(NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET),
    # The same body (the screen's id, step 0) from everyone: only the screen stores it, in Hansen.
    ("ratings:kiosk_submit", "POST"):        row(CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, SAVED,  CLOSED),
    ("ratings:unlock", "GET"):               row(LOGIN,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  PAGE,   LOGIN),
    # Anna's password: it opens the screen's own meeting (Hansen) again, nothing for the others.
    ("ratings:unlock", "POST"):              row(LOGIN,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  CASES,  REOPEN, LOGIN),
    # A token nobody was sent: a kind refusal to everyone; the screen cannot leave the screen.
    ("ratings:rate_by_link", "GET"):         row(GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   UNLOCK, GONE),
    ("ratings:rate_by_link", "POST"):        row(GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   UNLOCK, GONE),
    ("login", "GET"):                        row(PAGE,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   UNLOCK, PAGE),
    ("logout", "GET"):                       row(NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, NO_GET),
    ("set_language", "GET"):                 row(HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   UNLOCK, HOME),
    # Research exports: the analyst's, of her organisation's projects; 404, logged, for
    # everyone else (pseudonymised ratings, no name: nothing of the Berg case shows).
    ("privacy:research_projects", "GET"):    row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    ("privacy:research_download", "GET"):    row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, PAGE,   DENIED, DENIED, UNLOCK, LOGIN),
    # The DPO's pages (docs/dpo.md): the DPO's only; 404, logged, for everyone else. The
    # DPO finds Emil Berg (POST), sees who read his data (his page names him; so does its
    # CSV, and the PDF is his), and what Bo did (ids, no names: nothing of the Berg case).
    ("privacy:home", "GET"):                 row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, PAGE,   UNLOCK, LOGIN),
    ("privacy:home", "POST"):                row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, BERG,   UNLOCK, LOGIN),
    ("privacy:dpo_user_pick", "GET"):        row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DPO_HOME, UNLOCK, LOGIN),
    ("privacy:dpo_person", "GET"):           row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, BERG,   UNLOCK, LOGIN),
    ("privacy:dpo_person_csv", "GET"):       row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, BERG,   UNLOCK, LOGIN),
    ("privacy:dpo_person_pdf", "GET"):       row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, BERG,   UNLOCK, LOGIN),
    ("privacy:dpo_user", "GET"):             row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, PAGE,   UNLOCK, LOGIN),
    ("privacy:dpo_user_csv", "GET"):         row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, PAGE,   UNLOCK, LOGIN),
    ("privacy:dpo_user_pdf", "GET"):         row(LOGIN,  DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, FIGURES, UNLOCK, LOGIN),
    # Grants of case data waiting for a second person (docs/roles.md): the approvals page is
    # an administrator's and a department head's. The pending grant was asked for by the
    # administrator, so he cannot approve it (REFUSED); the department head can.
    ("accounts:approvals", "GET"):           row(LOGIN,  DENIED, DENIED, DENIED, DENIED, PAGE,   DENIED, PAGE,   DENIED, UNLOCK, LOGIN),
    ("accounts:approvals", "POST"):          row(LOGIN,  DENIED, DENIED, DENIED, DENIED, APPROVED, DENIED, REFUSED, DENIED, UNLOCK, LOGIN),
    # The password reset link an administrator sends (a forged one here): the page says the
    # link cannot be used, and nothing changes.
    ("accounts:password_reset_confirm", "GET"): row(PAGE, PAGE,  PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, PAGE),
    ("accounts:password_reset_confirm", "POST"): row(PAGE, PAGE, PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, PAGE),
    ("accounts:password_reset_complete", "GET"): row(PAGE, PAGE, PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, PAGE),
    # Signing in (docs/sign-in.md). In the demo nobody owes a second factor: its step sends
    # a logged-in persona on to her start; single sign-on is not configured here (404).
    ("signin:second_factor", "GET"):         row(LOGIN,  HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   HOME,   UNLOCK, LOGIN),
    ("signin:enrol", "GET"):                 row(LOGIN,  PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, LOGIN),
    ("signin:account", "GET"):               row(LOGIN,  PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, LOGIN),
    ("signin:sign_out_everywhere", "GET"):   row(LOGIN,  NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, NO_GET, UNLOCK, LOGIN),
    ("signin:password_change", "GET"):       row(LOGIN,  PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, LOGIN),
    ("signin:password_change_done", "GET"):  row(LOGIN,  PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   PAGE,   UNLOCK, LOGIN),
    ("signin:sso_refused", "GET"):           row(SSO_NO, SSO_NO, SSO_NO, SSO_NO, SSO_NO, SSO_NO, SSO_NO, SSO_NO, SSO_NO, UNLOCK, SSO_NO),
    ("signin:saml_metadata", "GET"):         row(SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, UNLOCK, SSO_OFF),
    ("signin:saml_login", "GET"):            row(SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, UNLOCK, SSO_OFF),
    ("signin:saml_acs", "GET"):              row(SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, UNLOCK, SSO_OFF),
    ("signin:oidc_login", "GET"):            row(SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, UNLOCK, SSO_OFF),
    ("signin:oidc_callback", "GET"):         row(SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, SSO_OFF, UNLOCK, SSO_OFF),
    # Django's admin checks staff status itself; its index stands for all its pages here.
    ("admin:index", "GET"):                  row(STAFF,  STAFF,  STAFF,  STAFF,  STAFF,  STAFF,  STAFF,  PAGE,   STAFF,  UNLOCK, STAFF),
}
ADMIN_NAMESPACE = "admin"
# The REST API (/api/v1/, issue 13) has no persona with a session: its callers are API
# tokens with scopes, not roles. tests/test_api.py covers its every route the same way
# (another organisation's case 404 and logged, each scope enforced, every call logged).
API_NAMESPACE = "api"

# The URL of each row, for the Berg case (s: the Scene below).
URL_KWARGS = {
    "accounts:password_reset_confirm": lambda s: {"uidb64": "MQ", "token": "forged-token"},
    "insights:case": lambda s: {"case_id": s.berg.pk},
    "insights:case_graph_svg": lambda s: {"case_id": s.berg.pk},
    "insights:record": lambda s: {"case_id": s.berg.pk},
    "insights:record_pdf": lambda s: {"case_id": s.berg.pk},
    "interchange:case_fhir": lambda s: {"case_id": s.berg.pk},
    "interchange:case_ratings": lambda s: {"case_id": s.berg.pk, "fmt": "csv"},
    "interchange:team_ratings": lambda s: {"team_id": s.berg.team_id, "fmt": "csv"},
    "interchange:organisation_ratings": lambda s: {"fmt": "csv"},
    "insights:meeting": lambda s: {"case_id": s.berg.pk, "meeting_id": s.last_meeting.pk},
    "insights:board": lambda s: {"team_id": s.berg.team_id},
    "insights:kiosk_graph": lambda s: {"step": 0},
    "cases:person_add": lambda s: {"case_id": s.berg.pk},
    "cases:person_privacy": lambda s: {"case_id": s.berg.pk, "person_id": s.emil.pk},
    "ratings:paper_entry": lambda s: {"case_id": s.berg.pk},
    "ratings:meeting_start": lambda s: {"case_id": s.berg.pk},
    "ratings:hand_over": lambda s: {"case_id": s.berg.pk, "meeting_id": s.last_meeting.pk},
    "ratings:missing_rating": lambda s: {"case_id": s.berg.pk, "meeting_id": s.last_meeting.pk},
    "ratings:link_send": lambda s: {"case_id": s.berg.pk},
    "ratings:meeting_cancel": lambda s: {"case_id": s.berg.pk, "meeting_id": s.empty_meeting.pk},
    "ratings:rate_by_link": lambda s: {"token": "forged-" + "x" * 36},
    "privacy:research_download": lambda s: {"project_id": research_project(s).pk},
    "privacy:dpo_person": lambda s: {"person_id": s.emil.pk},
    "privacy:dpo_person_csv": lambda s: {"person_id": s.emil.pk},
    "privacy:dpo_person_pdf": lambda s: {"person_id": s.emil.pk},
    "privacy:dpo_user": lambda s: {"user_id": s.world.bo.pk},
    "privacy:dpo_user_csv": lambda s: {"user_id": s.world.bo.pk},
    "privacy:dpo_user_pdf": lambda s: {"user_id": s.world.bo.pk},
    "interchange:import_mapping": lambda s: {"job_id": import_job(s, mapped=False).pk},
    "interchange:import_preview": lambda s: {"job_id": import_job(s).pk},
    "interchange:import_start": lambda s: {"job_id": import_job(s).pk},
    "interchange:import_progress": lambda s: {"job_id": import_job(s, state="done").pk},
    "interchange:import_status": lambda s: {"job_id": import_job(s, state="done").pk},
}

def research_project(scene):
    """A research project of the organisation, for the analyst's download."""
    from fokus.privacy.models import ResearchProject

    project, _created = ResearchProject.objects.get_or_create(
        organisation=scene.world.org, name="Følgeforskning", defaults={"purpose": "Trivsel"})
    return project


IMPORT_HEADER = ["sag", "person", "bedømmer", "fødselsdato", "skema", "dato", "spm1", "spm2",
                 "spm3", "spm4"]
IMPORT_FILE = (";".join(IMPORT_HEADER) + "\r\nX-1;p1;p1;2015-01-01;CORS;2024-01-10;12;5;5;5\r\n"
               ).encode()


def import_job(scene, *, mapped=True, state="uploaded"):
    """Lise's upload for Team Nord: a file with a bad row (a line above 10)."""
    from fokus.interchange.forms import preselected
    from fokus.interchange.models import ImportJob

    mapping = {text: column for column, text in preselected(IMPORT_HEADER).items()}
    return ImportJob.objects.create(
        organisation=scene.world.org, team=scene.world.team_nord, created_by=scene.world.lise,
        kind="csv", content=IMPORT_FILE, header=IMPORT_HEADER,
        mapping=mapping if mapped else {}, state=state)


def import_upload(scene):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("maalinger.csv", IMPORT_FILE),
            "team": scene.world.team_nord.pk}


# The body of each POST: one that Bo's request stores (so a refusal is not a bad form).
POST_DATA = {
    "accounts:approvals": lambda s: {"grant": s.grant.pk, "decision": "approve"},
    "accounts:password_reset_confirm": lambda s: {"new_password1": "Forged-2025-kode",
                                                  "new_password2": "Forged-2025-kode"},
    "privacy:home": lambda s: {"name": "Emil"},  # the DPO's search: a POST, no name in a URL
    "insights:board": lambda s: {"case": s.berg.pk, f"c{s.berg.pk}-what": "Møde med skolen",
                                 f"c{s.berg.pk}-who_text": "Bo",
                                 f"c{s.berg.pk}-decided_on": timezone.localdate().isoformat()},
    "insights:record": lambda s: {"meeting": s.last_meeting.pk, "note": "Ny note",
                                  "next_steps": "Nyt møde om tre uger"},
    "cases:person_add": lambda s: {"first_name": "Ny", "role": "other", "birth_year": 1990},
    "cases:person_privacy": lambda s: {"private": "on"},
    "ratings:paper_entry": lambda s: {
        "instrument": "CORS", "person": s.emil.pk, "rater": s.emil.pk,
        "rated_on": timezone.localdate().isoformat(),
        "item1": "5", "item2": "5", "item3": "5", "item4": "5"},
    "ratings:meeting_start": lambda s: {"held_on": timezone.localdate().isoformat(),
                                        "kind": "home_visit", "present": [s.emil.pk, s.solvej.pk]},
    "ratings:hand_over": lambda s: {"steps": [f"outcome-{s.emil.pk}-{s.emil.pk}"]},
    "ratings:missing_rating": lambda s: {"person": s.solvej.pk, "reason": "not_offered",
                                         "measures": "alliance"},
    "ratings:link_send": lambda s: {"rater": s.solvej.pk, "person": s.solvej.pk,
                                    "measures": "outcome", "channel": "email",
                                    "address": "solvej@example.org"},
    # JSON bodies.
    "ratings:kiosk_submit": lambda s: json.dumps({
        "screen": s.screen_id, "step": 0, "key": str(uuid.uuid4()),
        "answers": ["5", "5", "5", "5"]}),
    "ratings:rate_by_link": lambda s: json.dumps({"key": str(uuid.uuid4()),
                                                  "answers": ["5", "5", "5", "5"]}),
    "ratings:unlock": lambda s: {"password": PASSWORD},
    "ratings:meeting_cancel": lambda s: {},
    "interchange:import_upload": import_upload,
    "interchange:import_mapping": lambda s: {"case_id": "sag", "person_id": "person",
                                             "rater_id": "bedømmer", "instrument": "skema",
                                             "date": "dato"},
    "interchange:import_start": lambda s: {},
}

# What of the Berg case must never reach a persona that may not see it.
BERG_SECRETS = ("Berg", "Emil", "Solvej", "2025-0003", "Emil sover bedre", "Møde med skolen")


# ---------------------------------------------------------------------------
# The case with something to leak, and the two holders of less than a login.


def store_rating(user, case, *, code, person, rater=None, on, meeting=None):
    """record_rating, whether it returns the rating or (rating, created)."""
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import record_rating

    instrument = Instrument.objects.get(code=code)
    result = record_rating(user, case, instrument=instrument, person=person,
                           rater=rater or person, rated_on=on, meeting=meeting, mode="tablet",
                           answers=[Decimal("5")] * instrument.items.count())
    return result[0] if isinstance(result, tuple) else result


def _more_personas(world):
    """The FIT superuser and the DPO, where conftest's World does not have them."""
    from fokus.accounts.models import Role, User

    for username, role in (("karen", Role.FIT_SUPERUSER), ("dpo", Role.DPO)):
        if getattr(world, username, None) is None:
            setattr(world, username, User.objects.create_user(
                username, password=PASSWORD, organisation=world.org, role=role,
                first_name=username.title()))


def _pending_grant(world):
    """The administrator asks for Ida (an analyst) to be a caseworker in Team Syd: a grant of
    case data, waiting for a second person."""
    from fokus.accounts import actions as account_actions
    from fokus.accounts.models import Role, User

    ida = User.objects.create_user("ida", organisation=world.org, role=Role.ANALYST)
    account_actions.change_user(world.admin, ida, role=Role.CASEWORKER, teams=[world.team_syd])
    return ida.pending_grants.get()


class Scene:
    def __init__(self, world):
        from fokus.cases import actions as case_actions
        from fokus.insights.actions import save_meeting_record
        from fokus.instruments.models import Instrument
        from fokus.ratings.actions import create_rating_link

        self.world = world
        _more_personas(world)
        self.grant = _pending_grant(world)
        bo, self.berg, self.emil = world.bo, world.berg, world.berg_child
        self.solvej = case_actions.add_person(bo, self.berg, first_name="Solvej",
                                              last_name="Berg", role="mother",
                                              birth_date=years_ago(41))
        today = timezone.localdate()
        self.meetings = []
        for days in (35, 7):
            on = today - datetime.timedelta(days=days)
            meeting = case_actions.record_meeting(bo, self.berg, held_on=on, kind="home_visit",
                                                  participants=[self.emil, self.solvej])
            for code, person, rater in (("CORS", self.emil, None), ("CSRS", self.emil, None),
                                        ("ORS", self.solvej, None), ("SRS", self.solvej, None),
                                        ("CORS", self.emil, self.solvej)):
                store_rating(bo, self.berg, code=code, person=person, rater=rater, on=on,
                             meeting=meeting)
            self.meetings.append(meeting)
        self.last_meeting = self.meetings[-1]
        # A meeting started by mistake this morning: nobody rated at it (it can be cancelled).
        self.empty_meeting = case_actions.record_meeting(bo, self.berg, held_on=today,
                                                         kind="office")
        save_meeting_record(bo, self.berg, self.last_meeting, note="Emil sover bedre",
                            next_steps="Møde med skolen")

        # The family screen: Anna hands a Hansen meeting over (through the pages, as she does).
        self.screen = Client()
        self.screen.force_login(world.anna)
        hansen = world.hansen
        started = self.screen.post(reverse("ratings:meeting_start", kwargs={"case_id": hansen.pk}),
                                   {"held_on": today.isoformat(), "kind": "home_visit",
                                    "present": [world.child.pk, world.mother.pk]})
        assert started.status_code == 302, "the screen's meeting was not started"
        meeting = Meeting.objects.get(case=hansen)
        store_rating(world.anna, hansen, code="CORS", person=world.child, on=today,
                     meeting=meeting)
        handed = self.screen.post(
            reverse("ratings:hand_over", kwargs={"case_id": hansen.pk, "meeting_id": meeting.pk}),
            {"steps": [f"outcome-{world.child.pk}-{world.child.pk}"],
             "show_family_graph": "on"})
        assert handed["Location"] == reverse("ratings:kiosk"), "the screen was not handed over"
        self.screen_id = self.screen.session[kiosk.SESSION]["id"]
        self.screen_session = self.screen.cookies[settings.SESSION_COOKIE_NAME].value

        # The rating link: Sara Hansen's, opened once on her phone.
        self.link = Client()
        _link, self.link_token = create_rating_link(
            world.anna, hansen, person=world.mother, rater=world.mother,
            instrument=Instrument.objects.get(code="ORS"), channel="email",
            address="sara@example.org", build_url=lambda token: f"http://testserver/r/{token}/")
        assert self.link.get(reverse("ratings:rate_by_link",
                                     kwargs={"token": self.link_token})).status_code == 200
        mail.outbox.clear()
        self.baseline = snapshot(self, Client())

    def new_devices(self):
        """The screen and the phone as fresh clients: what one test did to its session
        was rolled back with it, so the next test starts from the same grant."""
        self.screen = Client()
        self.screen.cookies[settings.SESSION_COOKIE_NAME] = self.screen_session
        self.link = Client()

    def client_for(self, persona, client):
        if persona == "screen":
            return self.screen
        if persona == "link":
            return self.link
        client.logout()
        if persona != "anon":
            client.force_login(getattr(self.world, persona))
        return client


@pytest.fixture(scope="module")
def _scene(django_db_setup, django_db_blocker):
    """Built once for the module and rolled back after it. Each test runs inside, in its
    own savepoint (pytest-django's db fixture), so no test sees another test's writes."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast),
          transaction.atomic()):
        yield Scene(World())
        transaction.set_rollback(True)


@pytest.fixture
def scene(_scene, db):
    _scene.new_devices()
    assert snapshot(_scene, Client()) == _scene.baseline, "a test's writes outlived it"
    return _scene


# Each table a write can reach: all of its rows, and those of the Berg case.
TABLES = {
    Case: "pk", Person: "case", Meeting: "case", Meeting.participants.through: "meeting__case",
    Intervention: "case", Rating: "case", RatingAnswer: "rating__case",
    MissingRating: "case", RatingLink: "case", MeetingRecord: "meeting__case",
    TeamDecision: "case",
}


def snapshot(scene, client, *, berg_only=False):
    state = {}
    for model, to_case in TABLES.items():
        rows = model.objects.order_by("pk")
        if berg_only:
            rows = rows.filter(**{to_case: scene.berg.pk})
        state[model._meta.label] = list(rows.values())
    grant = client.session.get(kiosk.SESSION) or {}
    state["family screen grant"] = (grant.get("case") == scene.berg.pk if berg_only
                                    else grant.get("case"))
    if not berg_only:
        state["mail sent"] = len(mail.outbox)
        state["grants"] = list(PendingGrant.objects.order_by("pk").values("pk", "status"))
        state["rights"] = list(User.objects.order_by("pk").values(
            "pk", "role", "organisation", "is_active", "is_staff", "is_superuser", "password"))
        state["teams"] = list(User.teams.through.objects.order_by("pk").values())
    return state


# ---------------------------------------------------------------------------
# The matrix.


def _names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            if namespace in (ADMIN_NAMESPACE, API_NAMESPACE):
                continue
            yield from _names(entry, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}"


def test_every_url_is_in_the_matrix():
    in_matrix = {name for name, _method in MATRIX if not name.startswith(ADMIN_NAMESPACE + ":")}
    assert set(_names()) == in_matrix


def test_every_post_row_has_a_body_and_a_get_row():
    posted = {name for name, method in MATRIX if method == "POST"}
    assert posted == set(POST_DATA)
    for name in posted:
        assert (name, "GET") in MATRIX, name


CELLS = [(name, method, persona) for (name, method), expected in MATRIX.items()
         for persona in expected]


@pytest.mark.parametrize(("name", "method", "persona"), CELLS)
def test_permission_matrix(scene, client, django_capture_on_commit_callbacks,
                           name, method, persona):
    expect = MATRIX[name, method][persona]
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda s: {})(scene))
    client = scene.client_for(persona, client)
    before, berg_before = snapshot(scene, client), snapshot(scene, client, berg_only=True)
    last_log = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        if method == "GET":
            response = client.get(url)
        else:
            data = POST_DATA[name](scene)
            if isinstance(data, str):
                response = client.post(url, data, content_type="application/json")
            else:
                response = client.post(url, data)
    _check(scene, client, persona, expect, response, before, berg_before, last_log)


def _check(scene, client, persona, expect, response, before, berg_before, last_log):
    # What was sent, first: a leak fails here whatever the status says.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if expect.berg:
        shown = (body.startswith(b"%PDF") or b"<svg" in body
                 or any(secret.encode() in body for secret in BERG_SECRETS))
        assert shown, "the page shows nothing of the Berg case"
    else:
        text = body.decode("utf-8", "replace")
        if expect.figures and body.startswith(b"%PDF"):
            from io import BytesIO

            from pypdf import PdfReader

            text = " ".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)
        # Random tokens are not the case's data: a CSRF token (64 letters and digits) or a
        # nonce may hold "Berg" by chance (about one in 62^4 per place).
        text = re.sub(r"[A-Za-z0-9+/_-]{20,}", "", text)
        leaked = [secret for secret in BERG_SECRETS if secret in text]
        assert not leaked, f"{persona} was shown {leaked} of the Berg case"
        if not expect.figures:
            assert b"%PDF" not in body and not content_type.startswith("application/pdf"), (
                f"{persona} was sent a PDF")
        assert not content_type.startswith("image/"), f"{persona} was sent an image"
        if response.status_code >= 300:
            assert b"<svg" not in body, f"{persona} was sent an SVG with a refusal"

    assert response.status_code == expect.status, (
        f"{persona} got {response.status_code}, the policy says {expect!r}")
    if expect.to:
        target = resolve(urlparse(response["Location"]).path)
        assert target.view_name == expect.to, response["Location"]
        if persona not in SEES_BERG:
            assert str(target.kwargs.get("case_id")) != str(scene.berg.pk)

    new_log = AccessLogEntry.objects.filter(id__gt=last_log)
    username = ("" if persona in ("anon", "screen", "link")
                else getattr(scene.world, persona).username)
    berg_entries = [(entry.username or "", entry.action) for entry in new_log
                    if entry.case_id == scene.berg.pk
                    or scene.berg.pk in entry.detail.get("case_ids", ())]
    if expect.berg or expect.writes:
        assert (username, "denied") not in berg_entries
        assert any(user == username for user, _action in berg_entries), (
            "the read of the Berg case is not in the access log")
    else:
        assert all(action == "denied" for _user, action in berg_entries), (
            f"something of the Berg case was read or written: {berg_entries}")
    if expect.denied:
        assert new_log.filter(action="denied", username=username).exists(), (
            "the refusal is not in the access log")

    after, berg_after = snapshot(scene, client), snapshot(scene, client, berg_only=True)
    if expect.writes:
        assert berg_after != berg_before, "the allowed write changed nothing"
    elif expect.own:
        assert berg_after == berg_before, "the family screen wrote to another case"
        assert after != before
    elif expect.decides:
        changed = [key for key in before if before[key] != after[key]]
        assert "grants" in changed and set(changed) <= {"grants", "rights", "teams"}, changed
    else:
        changed = [key for key in before if before[key] != after[key]]
        assert not changed, f"{persona} changed {changed}"


# ---------------------------------------------------------------------------
# One's own case does not open another case's meeting, person or record.

NOT_FOUND, FORM_ERROR = 404, 200
CROSS = {
    # (url name, method): (url kwargs, query or POST data, the refusal)
    ("insights:meeting", "GET"): (lambda s: {"case_id": s.hansen.pk, "meeting_id": s.berg_meeting},
                                  lambda s: {}, NOT_FOUND),
    ("insights:record", "GET"): (lambda s: {"case_id": s.hansen.pk},
                                 lambda s: {"meeting": s.berg_meeting}, NOT_FOUND),
    ("insights:record", "POST"): (lambda s: {"case_id": s.hansen.pk},
                                  lambda s: {"meeting": s.berg_meeting, "note": "x",
                                             "next_steps": "y"}, NOT_FOUND),
    ("insights:record_pdf", "GET"): (lambda s: {"case_id": s.hansen.pk},
                                     lambda s: {"meeting": s.berg_meeting}, NOT_FOUND),
    ("cases:person_privacy", "POST"): (lambda s: {"case_id": s.hansen.pk, "person_id": s.emil},
                                       lambda s: {"private": "on"}, NOT_FOUND),
    ("ratings:hand_over", "POST"): (
        lambda s: {"case_id": s.hansen.pk, "meeting_id": s.berg_meeting},
        lambda s: {"steps": [f"outcome-{s.emil}-{s.emil}"]}, NOT_FOUND),
    ("ratings:missing_rating", "POST"): (
        lambda s: {"case_id": s.hansen.pk, "meeting_id": s.berg_meeting},
        lambda s: {"person": s.emil, "reason": "refused"}, NOT_FOUND),
    ("ratings:paper_entry", "POST"): (lambda s: {"case_id": s.hansen.pk}, lambda s: {
        "instrument": "CORS", "person": s.emil, "rater": s.emil,
        "rated_on": timezone.localdate().isoformat(),
        "item1": "5", "item2": "5", "item3": "5", "item4": "5"}, FORM_ERROR),
    ("ratings:meeting_start", "POST"): (lambda s: {"case_id": s.hansen.pk}, lambda s: {
        "held_on": timezone.localdate().isoformat(), "kind": "office", "present": [s.emil]},
        FORM_ERROR),
    ("ratings:link_send", "POST"): (lambda s: {"case_id": s.hansen.pk}, lambda s: {
        "rater": s.solvej, "person": s.solvej, "measures": "outcome", "channel": "email",
        "address": "solvej@example.org"}, FORM_ERROR),
}


class _Ids:
    def __init__(self, scene):
        self.hansen = scene.world.hansen
        self.berg_meeting = scene.last_meeting.pk
        self.emil, self.solvej = scene.emil.pk, scene.solvej.pk


@pytest.mark.parametrize(("name", "method"), sorted(CROSS))
def test_anna_s_own_case_does_not_open_the_berg_case_s_objects(scene, client, name, method):
    kwargs_for, data_for, refusal = CROSS[name, method]
    ids = _Ids(scene)
    client.force_login(scene.world.anna)
    url = reverse(name, kwargs=kwargs_for(ids))
    before = snapshot(scene, client)
    last_log = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = (client.get(url, data_for(ids)) if method == "GET"
                else client.post(url, data_for(ids)))
    assert response.status_code == refusal
    text = response.content.decode("utf-8", "replace")
    assert not [secret for secret in BERG_SECRETS if secret in text]
    assert not response.content.startswith(b"%PDF")
    assert snapshot(scene, client) == before
    assert not AccessLogEntry.objects.filter(id__gt=last_log, case_id=scene.berg.pk).exists()


# ---------------------------------------------------------------------------
# The two holders of less than a login, on their own pages.


def test_a_rating_link_shows_its_rater_s_first_name_only_and_stores_in_its_own_case(scene):
    url = reverse("ratings:rate_by_link", kwargs={"token": scene.link_token})
    html = scene.link.get(url).content.decode()
    assert "Sara" in html
    for secret in ("Hansen", "Mikkel", "Freja", "2025-0001", *BERG_SECRETS):
        assert secret not in html
    response = scene.link.post(url, POST_DATA["ratings:rate_by_link"](scene),
                               content_type="application/json")
    assert response.status_code == 201
    # The answer names no database id; the link knows its rating.
    assert "id" not in response.json()
    rating = RatingLink.objects.get(token_hash=links.hash_token(scene.link_token)).rating
    assert (rating.case_id, rating.person_id) == (scene.world.hansen.pk, scene.world.mother.pk)


def test_the_family_screen_shows_its_own_case_only(scene):
    # Mikkel rates on the screen: then his own graph is there, with nothing of the Berg case.
    submitted = scene.screen.post(reverse("ratings:kiosk_submit"),
                                  POST_DATA["ratings:kiosk_submit"](scene),
                                  content_type="application/json")
    assert submitted.status_code == 201
    for name, kwargs in (("ratings:kiosk", {}), ("insights:kiosk_graph", {"step": 0}),
                         ("insights:kiosk_family_graph", {})):
        response = scene.screen.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "Mikkel" in html, name
        for secret in ("Hansen", "2025-0001", *BERG_SECRETS):
            assert secret not in html, (name, secret)
    # A step the screen was not given is not there.
    assert scene.screen.get(reverse("insights:kiosk_graph", kwargs={"step": 1})).status_code == 404


# ---------------------------------------------------------------------------
# The admin.


def test_the_admin_does_not_expose_cases_persons_or_ratings(scene, client):
    client.force_login(scene.world.admin)
    for url in ("/admin/cases/case/", "/admin/cases/person/", "/admin/ratings/rating/",
                "/admin/insights/meetingrecord/", "/admin/ratings/ratinglink/"):
        assert client.get(url).status_code == 404, url


def test_no_page_of_the_admin_shows_a_name_of_a_case(scene, client):
    """Every list the administrator has, and the Berg case's team: no family, person or note
    (the access log there holds ids, never names)."""
    from django.contrib import admin

    client.force_login(scene.world.admin)
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m in admin.site._registry]
    urls.append(reverse("admin:cases_team_change", args=[scene.berg.team_id]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in ("Hansen", "Mikkel", "Sara", *BERG_SECRETS):
            assert secret not in html, (url, secret)
