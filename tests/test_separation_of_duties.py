"""Separation of duties (issue 11): the one policy module, the administrator who configures
but cannot make himself or anyone see case data unseen, grants approved by a second
person, the user told of every change; and docs/roles.md, checked against the policy."""

import re
from pathlib import Path

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fokus.accounts import actions, policy
from fokus.accounts.models import GrantStatus, PendingGrant, Role, User
from fokus.audit.models import AccessLogEntry
from fokus.cases import access
from fokus.cases.models import Organisation

ROLES_DOC = Path(__file__).resolve().parents[1] / "docs" / "roles.md"
BEGIN, END = "<!-- roles table: generated from fokus/accounts/policy.py -->", "<!-- end -->"


def roles_table() -> str:
    """The table of docs/roles.md, made from policy.PERMISSIONS."""
    with translation.override("en"):
        roles = [(role, str(role.label)) for role in Role]
    lines = ["| May | " + " | ".join(label for _role, label in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for name, text, _roles in policy.PERMISSIONS:
        marks = ["yes" if policy.role_may(role, name) else "" for role, _label in roles]
        lines.append(f"| {text} | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_the_roles_table_in_the_docs_is_the_policy():
    text = ROLES_DOC.read_text()
    found = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert found == roles_table(), (
        "docs/roles.md differs from fokus/accounts/policy.py; the table should read:\n"
        + roles_table())


def test_the_roadmap_s_roles_as_the_policy_says():
    may = policy.role_may
    assert [r for r in Role if may(r, "case_content")] == [
        Role.CASEWORKER, Role.TEAM_LEADER, Role.FIT_SUPERUSER]
    assert not may(Role.DEPARTMENT_HEAD, "case_content") and may(Role.DEPARTMENT_HEAD,
                                                                  "aggregates")
    assert [r for r in Role if may(r, "access_log")] == [Role.DPO]
    for permission, _text, _roles in policy.PERMISSIONS:
        if permission not in ("access_log", "second_factor"):
            assert not may(Role.DPO, permission), permission
        if permission not in ("administration", "approve_grants", "second_factor"):
            assert not may(Role.ADMINISTRATOR, permission), permission


def test_no_module_compares_roles_itself():
    """Who may do what is decided in fokus/accounts/policy.py: no other module of the
    apps that read case data compares a user's role."""
    root = Path(__file__).resolve().parents[1] / "fokus"
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if (relative.startswith(("accounts/", "demo/")) or "/migrations/" in relative):
            continue
        text = path.read_text()
        if re.search(r"\buser\.role\s*(==|!=|in\b)|\brole\s*==\s*Role\.", text):
            offenders.append(relative)
    assert not offenders


# --- the department head: figures, no case ------------------------------------------------

def test_a_department_head_reads_no_case_and_starts_on_the_figures(world, client):
    client.force_login(world.dorte)
    assert client.get(reverse("insights:home"))["Location"] == reverse("insights:dashboard")
    response = client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    assert response.status_code == 404
    assert "Hansen" not in response.content.decode()
    assert access.cases_visible_to(world.dorte).count() == 0


# --- the administrator's own rights -----------------------------------------------------

def _own_page(client, admin_user):
    return client.get(f"/admin/accounts/user/{admin_user.pk}/change/")


def test_the_administrator_s_own_rights_are_read_only(world, client):
    client.force_login(world.admin)
    form = _own_page(client, world.admin).context["adminform"].form
    for name in actions.OWN_FIELDS:
        assert name not in form.fields, name
    assert "first_name" in form.fields


def test_a_forged_post_of_his_own_role_is_refused_and_logged(world, client):
    client.force_login(world.admin)
    url = f"/admin/accounts/user/{world.admin.pk}/change/"
    response = client.post(url, {"username": "admin", "first_name": "Admin",
                                 "role": Role.FIT_SUPERUSER, "teams": [world.team_syd.pk],
                                 "is_superuser": "on", "_save": "Save"}, follow=True)
    assert response.status_code == 200
    assert any("cannot change your own" in str(m) or "kan ikke ændre din egen" in str(m)
               for m in response.context["messages"])
    admin = User.objects.get(pk=world.admin.pk)
    assert (admin.role, list(admin.teams.all())) == (Role.ADMINISTRATOR, [])
    entry = AccessLogEntry.objects.get(action="denied", username="admin",
                                       purpose="change own rights")
    assert entry.detail["fields"] == ["is_superuser", "role", "teams"]
    assert not AccessLogEntry.objects.filter(action="update", object_type="user").exists()


def test_the_action_refuses_his_own_rights_whoever_calls_it(world):
    with pytest.raises(actions.RightsRefused):
        actions.change_user(world.admin, world.admin, role=Role.CASEWORKER)
    with pytest.raises(actions.RightsRefused):
        actions.change_user(world.admin, world.admin, teams=[world.team_nord])
    assert User.objects.get(pk=world.admin.pk).role == Role.ADMINISTRATOR
    # His name he may change.
    admin = User.objects.get(pk=world.admin.pk)
    actions.change_user(admin, admin, first_name="Pia")
    assert User.objects.get(pk=world.admin.pk).first_name == "Pia"


def test_he_cannot_deactivate_or_delete_himself(world, client):
    client.force_login(world.admin)
    client.post("/admin/accounts/user/", {"action": "deactivate",
                                          "_selected_action": [world.admin.pk]})
    client.post(f"/admin/accounts/user/{world.admin.pk}/delete/", {"post": "yes"})
    assert User.objects.get(pk=world.admin.pk).is_active
    assert AccessLogEntry.objects.filter(action="denied", username="admin").count() == 2


def test_staff_status_alone_does_not_open_the_admin(world, client):
    world.bo.is_staff = True
    world.bo.save()
    client.force_login(world.bo)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- grants of case data, approved by a second person -----------------------------------

@pytest.fixture
def asked(world):
    """The administrator asks for Ali (analyst) to become a caseworker in Team Nord."""
    actions.change_user(world.admin, world.ali, role=Role.CASEWORKER, teams=[world.team_nord])
    return PendingGrant.objects.get(user=world.ali)


def test_the_user_keeps_his_rights_until_the_grant_is_approved(world, asked):
    ali = User.objects.get(pk=world.ali.pk)
    assert ali.role == Role.ANALYST and not ali.teams.exists()
    assert access.cases_visible_to(ali).count() == 0


def test_the_department_head_approves_on_his_page_and_the_user_is_told(
        world, asked, client, mailoutbox, django_capture_on_commit_callbacks):
    world.ali.email = "ali@example.org"
    world.ali.save()
    client.force_login(world.dorte)
    page = client.get(reverse("accounts:approvals"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "Ali" in html
    # What he has now beside what is asked for: the approver sees the change.
    assert "Has now" in html and "Analyst: no team" in html
    assert "Caseworker" in html and "Team Nord" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:approvals"),
                               {"grant": asked.pk, "decision": "approve"})
    assert response.status_code == 302
    ali = User.objects.get(pk=world.ali.pk)
    assert ali.role == Role.CASEWORKER and list(ali.teams.all()) == [world.team_nord]
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == (GrantStatus.APPROVED, world.dorte)
    assert AccessLogEntry.objects.filter(object_type="grant", action="update",
                                         username="dorte").exists()
    change = AccessLogEntry.objects.get(object_type="user", action="update",
                                        purpose="approve grant")
    assert change.username == "dorte" and change.detail["grant"] == asked.pk
    [mail] = mailoutbox
    assert mail.to == ["ali@example.org"] and "Dorte" in mail.body


def test_the_requester_and_the_user_concerned_cannot_approve(world, asked):
    with pytest.raises(actions.RightsRefused):
        actions.approve_grant(world.admin, asked)
    second_admin = User.objects.create_user("per", organisation=world.org,
                                            role=Role.ADMINISTRATOR, is_staff=True)
    own = PendingGrant.objects.create(organisation=world.org, user=second_admin,
                                      requested_by=world.admin, role=Role.CASEWORKER)
    with pytest.raises(actions.RightsRefused):
        actions.approve_grant(second_admin, own)
    # A caseworker, or an approver of another organisation, neither.
    other = Organisation.objects.create(name="Nabokommune")
    foreign_head = User.objects.create_user("ole", organisation=other,
                                            role=Role.DEPARTMENT_HEAD)
    for user in (world.anna, foreign_head):
        with pytest.raises(actions.RightsRefused):
            actions.approve_grant(user, asked)
    assert User.objects.get(pk=world.ali.pk).role == Role.ANALYST
    # Another administrator may.
    actions.approve_grant(second_admin, asked)
    assert User.objects.get(pk=world.ali.pk).role == Role.CASEWORKER


def test_a_rejected_grant_changes_nothing(world, asked, client):
    client.force_login(world.dorte)
    client.post(reverse("accounts:approvals"), {"grant": asked.pk, "decision": "reject"})
    asked.refresh_from_db()
    assert asked.status == GrantStatus.REJECTED
    assert User.objects.get(pk=world.ali.pk).role == Role.ANALYST


def test_reactivating_a_caseworker_and_a_new_team_wait_too(world):
    actions.deactivate_user(world.admin, world.anna)
    actions.change_user(world.admin, User.objects.get(pk=world.anna.pk), is_active=True)
    assert not User.objects.get(pk=world.anna.pk).is_active
    actions.change_user(world.admin, world.bo, teams=[world.team_syd, world.team_nord])
    assert list(User.objects.get(pk=world.bo.pk).teams.all()) == [world.team_syd]
    assert PendingGrant.objects.filter(status=GrantStatus.PENDING).count() == 2
    # Taking a team away needs no one's approval.
    actions.change_user(world.admin, world.lise, teams=[])
    assert not User.objects.get(pk=world.lise.pk).teams.exists()


def test_without_the_organisation_s_rule_a_grant_takes_effect_at_once(world):
    world.org.role_grants_need_approval = False
    world.org.save()
    actions.change_user(world.admin, User.objects.get(pk=world.ali.pk), role=Role.CASEWORKER,
                        teams=[world.team_nord])
    assert User.objects.get(pk=world.ali.pk).role == Role.CASEWORKER
    assert not PendingGrant.objects.exists()


# --- the user is told; every change is logged --------------------------------------------

def test_a_changed_address_is_told_at_the_old_one_too(world, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    world.bo.email = "bo@example.org"
    world.bo.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_user(world.admin, User.objects.get(pk=world.bo.pk),
                            email="bo.ny@example.org")
    [mail] = mailoutbox
    assert set(mail.to) == {"bo.ny@example.org", "bo@example.org"}


def test_nothing_is_sent_when_the_change_is_rolled_back(world, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    from django.db import transaction

    world.bo.email = "bo@example.org"
    world.bo.save()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.change_user(world.admin, User.objects.get(pk=world.bo.pk), first_name="B")
            raise RuntimeError
    assert not mailoutbox


def test_a_new_organisation_is_in_the_access_log(world):
    import datetime

    from fokus.instruments.actions import create_organisation

    other = create_organisation("Nabokommune", settings_valid_from=datetime.date(2020, 1, 1),
                                user=world.admin)
    entry = AccessLogEntry.objects.get(object_type="organisation", object_id=str(other.pk))
    assert (entry.action, entry.username) == ("create", "admin")


def test_the_organisation_s_separation_settings_are_in_the_admin_and_logged(world, client):
    client.force_login(world.admin)
    url = f"/admin/cases/organisation/{world.org.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    assert {"role_grants_need_approval", "caseworkers_see_own_cases_only"} <= set(form.fields)
    data = {"name": world.org.name, "municipality_code": world.org.municipality_code or "",
            "leaders_see_caseworker_figures": "", "role_grants_need_approval": "on",
            "caseworkers_see_own_cases_only": "on", "rating_link_sender": "",
            "rating_link_reminder_hours": 0, "_save": "Save"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for sub in inline.formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                data[sub.add_prefix(name)] = "" if value is None else getattr(value, "pk", value)
    for name in form.fields:
        if name not in data and form[name].value() not in (None, False):
            data[name] = form[name].value()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AccessLogEntry.objects.get(object_type="organisation", action="update")
    assert "caseworkers_see_own_cases_only" in entry.detail["changed"]


# --- the admin, page by page, for every persona -----------------------------------------

PERSONAS = ("anna", "lise", "bo", "karen", "dorte", "ali", "admin", "dpo")


def _persona(world, name):
    """conftest's personas, and the FIT superuser and the DPO where World has none."""
    if getattr(world, name, None) is None:
        role = {"karen": Role.FIT_SUPERUSER, "dpo": Role.DPO}[name]
        setattr(world, name, User.objects.create_user(name, organisation=world.org, role=role))
    return getattr(world, name)


def _admin_urls(world):
    urls = []
    for model, _model_admin in django_admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        urls.append(f"{base}add/")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
            urls.append(f"{base}{first.pk}/delete/")
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_admin_page_is_the_administrator_s_only(world, persona):
    client = Client()
    client.force_login(_persona(world, persona))
    for url in _admin_urls(world):
        response = client.get(url)
        if persona == "admin":
            assert response.status_code in (200, 302, 403), url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
def test_no_admin_action_or_post_is_anyone_else_s(world, persona):
    """A POST to every change list (its actions) and every add page changes nothing."""
    client = Client()
    client.force_login(_persona(world, persona))
    before = {model: model._default_manager.count() for model in django_admin.site._registry}
    rights = list(User.objects.order_by("pk").values("pk", "role", "is_active", "password"))
    for model, model_admin in django_admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        ids = list(model._default_manager.values_list("pk", flat=True)[:2])
        for action in model_admin.get_actions(_request_for(world.admin)) or ["delete_selected"]:
            response = client.post(base, {"action": action, "_selected_action": ids,
                                          "post": "yes"})
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        response = client.post(f"{base}add/", {"name": "x", "username": "x"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert before == {model: model._default_manager.count() for model in django_admin.site._registry}
    assert rights == list(User.objects.order_by("pk").values("pk", "role", "is_active", "password"))


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- the pages in Danish and English ------------------------------------------------------

@pytest.mark.parametrize(("language", "words", "not_words"), [
    ("da", ["Godkendelser", "Venter på godkendelse", "Godkend for"], ["Waiting for approval"]),
    ("en", ["Approvals", "Waiting for approval", "Approve for"], ["Venter på godkendelse"]),
])
def test_the_approvals_page_in_danish_and_english(world, asked, client, language, words,
                                                   not_words):
    from django.conf import settings

    client.force_login(world.dorte)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("accounts:approvals")).content.decode()
    for word in words:
        assert word in html, word
    for word in not_words:
        assert word not in html, word
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize(("language", "heading"), [("da", "Linket kan ikke bruges"),
                                                    ("en", "The link cannot be used")])
def test_a_forged_reset_link_says_so_in_the_person_s_language(client, db, language, heading):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x-y"})
    assert heading in client.get(url).content.decode()


# --- an address changed by an administrator holds a reset link (docs/roles.md) ----------

def _reset_posted(client, user):
    return client.post("/admin/accounts/user/", {
        "action": "send_password_reset", "_selected_action": [user.pk]}, follow=True)


def _reset_links(mailoutbox, address):
    return [mail for mail in mailoutbox if address in mail.to and "/adgangskode/ny/" in mail.body]


def test_a_reset_to_an_address_the_administrator_just_set_is_held_and_logged(
        world, client, mailoutbox, django_capture_on_commit_callbacks):
    """The attack: the administrator puts his own address on Bo (a caseworker) and sends
    Bo a reset link, to log in as Bo. The link is not sent; the refusal is logged; Bo is
    told at his old address."""
    world.bo.email = "bo@example.org"
    world.bo.save()
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_user(world.admin, User.objects.get(pk=world.bo.pk),
                            email="mallory@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset_posted(client, world.bo)
    assert not _reset_links(mailoutbox, "mallory@example.org")
    assert any("bo@example.org" in mail.to for mail in mailoutbox)
    assert "der sendes ikke et link til ny adgangskode" in response.content.decode()
    refused = AccessLogEntry.objects.filter(purpose="password reset held",
                                            object_id=str(world.bo.pk))
    assert refused.count() == 1 and refused.get().user_id == world.admin.pk
    assert not AccessLogEntry.objects.filter(purpose="password reset sent",
                                             object_id=str(world.bo.pk)).exists()
    with pytest.raises(actions.ResetHeld):
        actions.send_password_reset(world.admin, User.objects.get(pk=world.bo.pk),
                                    domain="testserver")


def test_the_hold_ends_after_its_days_and_other_resets_are_sent(
        world, client, mailoutbox, django_capture_on_commit_callbacks):
    from django.utils import timezone

    client.force_login(world.admin)
    # An analyst's account opens no case data: no hold.
    actions.change_user(world.admin, User.objects.get(pk=world.ali.pk), email="ali@example.org")
    # Anna changes her own address: no hold.
    actions.change_user(world.anna, User.objects.get(pk=world.anna.pk), email="anna@example.org")
    # Bo's address changed by the administrator long enough ago: no hold any more.
    actions.change_user(world.admin, User.objects.get(pk=world.bo.pk), email="bo@example.org")
    User.objects.filter(pk=world.bo.pk).update(
        email_changed_by_other_at=timezone.now() - policy.RESET_HOLD_AFTER_EMAIL_CHANGE
        - timezone.timedelta(minutes=1))
    mailoutbox.clear()
    for user, address in ((world.ali, "ali@example.org"), (world.anna, "anna@example.org"),
                          (world.bo, "bo@example.org")):
        with django_capture_on_commit_callbacks(execute=True):
            _reset_posted(client, user)
        assert len(_reset_links(mailoutbox, address)) == 1, user.username
    assert not AccessLogEntry.objects.filter(purpose="password reset held").exists()


def test_the_hold_covers_every_role_whose_account_opens_case_data_or_approvals():
    from django.utils import timezone

    now = timezone.now()
    for role in Role:
        user = User(role=role, email_changed_by_other_at=now)
        held = policy.reset_held_until(user, now) is not None
        assert held == (role in policy.CASE_CONTENT_ROLES or role in policy.APPROVER_ROLES
                        or role == Role.DPO), role
        assert policy.reset_held_until(user, now + policy.RESET_HOLD_AFTER_EMAIL_CHANGE) is None
    assert policy.reset_held_until(User(role=Role.CASEWORKER), now) is None
