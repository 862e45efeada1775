"""The access log's stored codes in words, in the reader's language.

The log keeps what the code wrote (object_type "case", purpose "case graph", ...): short
English codes that never change (the log is hash-chained: its entries are never
rewritten). The data protection officer reads Danish, so the pages, exports and the
admin show these words beside or instead of the codes.

Every object_type and purpose written as a literal somewhere in fokus has a label here;
tests/test_log_words.py walks the source and fails on one that has none. Purposes built
at run time (a seed, a key's kind, a reason from a form) are shown by their known start,
or else as stored.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OBJECT_TYPES = {
    "access_log": _("access log"),
    "account": _("sign-in"),
    # The REST API (issue 13): a refused call, and the tokens themselves.
    "api": _("API call"),
    "api_token": _("API token"),
    "import": _("ratings import"),
    "case": _("case"),
    "caseworker_figures": _("caseworker's figures"),
    "conversation_prompt": _("conversation prompt"),
    "dashboard": _("dashboard"),
    "demo_data": _("demo data"),
    "dpo_home": _("DPO's front page"),
    "family_screen_submit": _("family screen answer"),
    "family_screen_unlock": _("family screen unlock"),
    "fit_setting": _("FIT setting"),
    "fit_use": _("FIT use"),
    "grant": _("access grant"),
    "group": _("user group"),
    "instrument": _("instrument"),
    "instrument_item": _("instrument item"),
    "instrument_licence": _("instrument licence"),
    "instrument_wording": _("instrument wording"),
    "intervention": _("intervention"),
    "item_wording": _("item wording"),
    "meeting": _("meeting"),
    "meeting_record": pgettext_lazy("access log", "record"),
    "missing_rating": _("missing rating"),
    "organisation": _("organisation"),
    "parameter_set": _("parameter set"),
    "parameter_set_in_force": _("parameter set in force"),
    "person": _("person"),
    "person_log": _("person's access log"),
    "person_search": _("person search"),
    "rating": _("rating"),
    "rating_link": _("rating link"),
    "research_project": _("research project"),
    "retention_policy": _("retention policy"),
    "second_factor": _("second factor"),
    "team": _("team"),
    "team_board": _("team board"),
    "team_decision": _("team decision"),
    "unit": _("unit"),
    "user": _("user"),
    "user_log": _("user's access log"),
}

PURPOSES = {
    "FHIR download": _("FHIR download of a case"),
    "FHIR export": _("FHIR export"),
    "import file uploaded": _("ratings file uploaded for import"),
    "import files deleted after a day": _("uploaded ratings files deleted after a day"),
    "ratings download": _("ratings downloaded"),
    "ratings file": _("ratings file imported"),
    "DPO page": _("DPO page"),
    "DPO: find a person": _("DPO: find a person"),
    "DPO: person's log": _("DPO: person's log"),
    "DPO: person's log exported as CSV": _("DPO: person's log exported as CSV"),
    "DPO: person's log exported as PDF": _("DPO: person's log exported as PDF"),
    "DPO: user's log": _("DPO: user's log"),
    "DPO: user's log exported as CSV": _("DPO: user's log exported as CSV"),
    "DPO: user's log exported as PDF": _("DPO: user's log exported as PDF"),
    "FIT use": _("FIT use"),
    "add person": _("add person"),
    "admin other organisation": _("admin: another organisation's data"),
    "admin: access log": _("admin: access log"),
    "admin: access log entry": _("admin: access log entry"),
    "approvals": _("approvals"),
    "approve grant": _("approve grant"),
    "cancel meeting": _("cancel meeting"),
    "cancelled": _("cancelled"),
    "case graph": _("case graph"),
    "case page": _("case page"),
    "caseload": _("caseload"),
    "caseworker's own figures": _("caseworker's own figures"),
    "change group": _("change group"),
    "change user": _("change user"),
    "close": _("close the case"),
    "configuration": _("configuration"),
    "create group": _("create group"),
    "create user": _("create user"),
    "deactivate user": _("deactivate user"),
    "delete group": _("delete group"),
    "delete user": _("delete user"),
    "edit conversation prompt": _("edit conversation prompt"),
    "family screen": _("family screen"),
    "family screen graph": _("family screen graph"),
    "fokus export ratings": _("export of ratings"),
    "fokus outcomes --organisation": _("outcome analysis"),
    "generated municipality for benchmarks": _("generated municipality for benchmarks"),
    "grant needs approval": _("grant needs approval"),
    "guessing throttled": _("guessing throttled"),
    "hand over": _("hand over"),
    "local ETR calibration": _("local ETR calibration"),
    "login": _("sign in"),
    "logout": _("sign out"),
    "meeting": _("meeting"),
    "meeting record": _("meeting record"),
    "meeting record PDF": _("meeting record PDF"),
    "missing rating": _("missing rating"),
    "no family screen open": _("no family screen open"),
    "not sent": _("not sent"),
    "opened": _("opened"),
    "outcome dashboard": _("outcome dashboard"),
    "paper entry": _("paper entry"),
    "password reset by the user": _("password reset by the user"),
    "password reset sent": _("password reset sent"),
    "pseudonymised case list": _("pseudonymised case list"),
    "quarterly report PDF": _("quarterly report PDF"),
    "rating link": _("rating link"),
    "rating privacy": _("rating privacy"),
    "ratings private from parents": _("ratings private from parents"),
    "ratings shown to parents": _("ratings shown to parents"),
    "reject grant": _("reject grant"),
    "reminder": _("reminder"),
    "research export": _("research export"),
    "reset second factor": _("reset second factor"),
    "retention": _("retention"),
    "retention dry run": _("retention dry run"),
    "retention run": _("retention run"),
    "second factor": _("second factor"),
    "second factor enrolled": _("second factor enrolled"),
    "set password": _("set password"),
    "sign out everywhere": _("sign out everywhere"),
    "single sign-on": _("single sign-on"),
    "start meeting": _("start meeting"),
    "team board": _("team board"),
    "team conference decision": _("team conference decision"),
    "team decision": _("team decision"),
    "used": _("used"),
    "wrong password": _("wrong password"),
    # Written from a variable: a rating's mode, a link's channel, why a link opened
    # nothing, why someone did not rate.
    "tablet": _("on the tablet"),
    "link": _("through a rating link"),
    "paper": _("typed in from paper"),
    "email": _("by e-mail"),
    "sms": _("by SMS"),
    "unknown": _("unknown link"),
    "expired": _("expired"),
    "refused": _("refused"),
    "not_present": _("not present"),
    "too_young": _("too young"),
    "too_upset": _("too upset"),
    "not_offered": _("not offered"),
    "language": pgettext_lazy("reason for not rating", "Language"),
    # The REST API (issue 13, fokus.api): a system's reads and writes by its token.
    "api case": _("API: case"),
    "api cases": _("API: cases"),
    "api person": _("API: person"),
    "api persons": _("API: persons of a case"),
    "api meeting": _("API: meeting"),
    "api meetings": _("API: meetings of a case"),
    "api rating": _("API: rating"),
    "api ratings": _("API: ratings of a case"),
    "api outcomes": _("API: outcome series of a case"),
    "api figures": _("API: outcome figures"),
    "api token created": _("API token created"),
    "api token revoked": _("API token revoked"),
    "api token approved": _("API token approved"),
    "api token approval": _("API token approval"),
}

# Purposes built at run time: the stored text starts with the key, the rest is kept.
PURPOSE_STARTS = {
    "undo ": _("undone:"),
    "cpr_key_rotation:": _("CPR key rotation:"),
    "demo data generated": _("demo data generated"),
    # A refused REST API call: "api GET 404 not_found", "api cases: no read_ratings scope".
    "api ": _("API:"),
}


def object_word(code: str) -> str:
    """An object_type in words ("case" → "sag"); an unknown code as stored."""
    return str(OBJECT_TYPES[code]) if code in OBJECT_TYPES else (code or "")


def purpose_word(code: str) -> str:
    """A purpose in words ("case graph" → "sagens graf"); one built at run time by its
    known start; else as stored."""
    if not code:
        return ""
    if code in PURPOSES:
        return str(PURPOSES[code])
    for start, label in PURPOSE_STARTS.items():
        if code.startswith(start):
            rest = code[len(start):].strip()
            rest = purpose_word(rest) if rest in PURPOSES else rest
            return f"{label} {rest}".strip()
    return code


def what_text(entry) -> str:
    """An entry's object in words with its id: "sag 95"."""
    word = object_word(entry.object_type)
    return f"{word} {entry.object_id}" if entry.object_id else word
