"""Every write of the Django admin goes through an action and leaves its access-log
entry, in the same transaction: a change of a user's role, teams or password, of a
licence, an item wording, a FIT setting, the ETR parameter set in force, a team, a
conversation prompt.

The tests post the admin's own forms as the administrator (the `admin` persona of
conftest), starting from what the change page shows."""

import datetime
import json

import pytest
from django import forms
from django.contrib import admin as django_admin
from django.db.models import Model
from django.utils import timezone

from fokus.accounts import actions as account_actions
from fokus.accounts.admin import UserAdmin
from fokus.accounts.models import PendingGrant, Role, User
from fokus.audit import changes
from fokus.audit.admin_writes import ActionAdmin
from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Team
from fokus.insights.models import ConversationPrompt
from fokus.instruments.models import (
    Instrument,
    InstrumentLicence,
    ItemWording,
    OrganisationSetting,
    ParameterSet,
    ParameterSetInForce,
)

TODAY = timezone.localdate


# --- posting the admin's forms ------------------------------------------------------------

def _form_values(form, data: dict) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            parts = value if isinstance(value, list) else field.widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{key}_{i}"] = "" if part is None else part
            continue
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
            continue
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[key] = [getattr(v, "pk", v) for v in value or ()]
            continue
        if isinstance(value, Model):
            value = value.pk
        data[key] = "" if value is None else value  # value() is already as the page shows it


def page_data(response) -> dict:
    """The POST data of an admin add or change page as it is shown: the form and
    its inline formsets with their management forms."""
    assert response.status_code == 200
    data: dict = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _form_values(form, data)
    return data


def post_change(client, url: str, **changes):
    data = page_data(client.get(url))
    data.update(changes, _save="Save")
    return client.post(url, data)


def entries(**filters):
    return list(AccessLogEntry.objects.filter(**filters).order_by("id"))


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.admin)
    return client


def user_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


# --- a user's role: the must-show test of the issue ---------------------------------------

def test_a_role_changed_in_the_admin_writes_who_changed_what(world, admin_client):
    """Without the organisation's second-person rule the change takes effect at once."""
    world.org.role_grants_need_approval = False
    world.org.save()
    response = post_change(admin_client, user_url(world.anna), role=Role.TEAM_LEADER,
                           teams=[world.team_nord.pk, world.team_syd.pk], first_name="Anne")
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.anna.refresh_from_db()
    assert world.anna.role == Role.TEAM_LEADER
    assert set(world.anna.teams.all()) == {world.team_nord, world.team_syd}

    [entry] = entries(object_type="user", object_id=str(world.anna.pk))
    assert (entry.username, entry.user_id, entry.action) == ("admin", world.admin.pk, "update")
    assert entry.detail["changed"] == ["first_name", "role", "teams"]
    assert entry.detail["old"] == {"role": "caseworker", "teams": [world.team_nord.pk]}
    assert entry.detail["new"] == {"role": "team_leader",
                                   "teams": sorted([world.team_nord.pk, world.team_syd.pk])}
    text = json.dumps(entry.detail)
    assert "Anne" not in text and "Anna" not in text  # a name only by its field
    assert "password" not in text and world.anna.password not in text


def test_a_grant_of_case_data_waits_for_a_second_person(world, admin_client, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    """The organisation's rule is on (the default): the rest of the change is saved, the
    rights stay as they were, and the grant waits; Anna is told."""
    world.anna.email = "anna@example.org"
    world.anna.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(admin_client, user_url(world.anna), role=Role.TEAM_LEADER,
                               teams=[world.team_nord.pk, world.team_syd.pk], first_name="Anne")
    assert response.status_code == 302
    anna = User.objects.get(pk=world.anna.pk)
    assert (anna.first_name, anna.role) == ("Anne", Role.CASEWORKER)
    assert list(anna.teams.all()) == [world.team_nord]
    [grant] = PendingGrant.objects.all()
    assert (grant.user, grant.requested_by, grant.role, grant.status) == (
        anna, world.admin, Role.TEAM_LEADER, "pending")
    assert {t.pk for t in grant.teams.all()} == {world.team_nord.pk, world.team_syd.pk}
    [user_entry] = entries(object_type="user")
    assert user_entry.detail["changed"] == ["first_name"]
    [grant_entry] = entries(object_type="grant")
    assert (grant_entry.action, grant_entry.username) == ("create", "admin")
    assert grant_entry.detail["new"]["role"] == "team_leader"
    assert [m.to for m in mailoutbox] == [["anna@example.org"], ["anna@example.org"]]
    assert all("Admin" in m.body for m in mailoutbox)


@pytest.mark.django_db(transaction=True)
def test_the_role_change_does_not_happen_when_its_log_entry_cannot_be_written(
        world, client, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the access log is down")

    monkeypatch.setattr(changes, "record", refuse)
    client.force_login(world.admin)
    data = page_data(client.get(user_url(world.anna)))
    data.update(role=Role.ANALYST, teams=[], _save="Save")
    with pytest.raises(RuntimeError, match="the access log is down"):
        client.post(user_url(world.anna), data)
    world.anna.refresh_from_db()
    assert world.anna.role == Role.CASEWORKER
    assert list(world.anna.teams.all()) == [world.team_nord]


@pytest.mark.django_db(transaction=True)
def test_no_log_entry_remains_when_the_save_fails_after_it(world, client, monkeypatch):
    written = []
    real_record = changes.record

    def spy(*args, **kwargs):
        written.append(real_record(*args, **kwargs).pk)
        return AccessLogEntry.objects.get(pk=written[-1])

    def fail(*args, **kwargs):  # the admin's own history, written after the save
        raise RuntimeError("the save failed after the log entry")

    monkeypatch.setattr(changes, "record", spy)
    monkeypatch.setattr(UserAdmin, "log_change", fail)
    client.force_login(world.admin)
    data = page_data(client.get(user_url(world.anna)))
    data.update(role=Role.ANALYST, _save="Save")
    with pytest.raises(RuntimeError, match="after the log entry"):
        client.post(user_url(world.anna), data)
    assert written, "the action wrote its log entry before the failure"
    assert not AccessLogEntry.objects.filter(pk__in=written).exists()
    world.anna.refresh_from_db()
    assert world.anna.role == Role.CASEWORKER


@pytest.mark.parametrize("fail_after_log", [False, True])
def test_the_user_action_is_one_transaction_by_itself(world, monkeypatch, fail_after_log):
    """Called outside the admin too: the change and its entry stand or fall together."""
    real_record = changes.record

    def broken(*args, **kwargs):
        if fail_after_log:
            real_record(*args, **kwargs)
        raise RuntimeError("broken")

    monkeypatch.setattr(changes, "record", broken)
    with pytest.raises(RuntimeError):
        account_actions.change_user(world.admin, world.anna, role=Role.ANALYST, teams=[])
    assert User.objects.get(pk=world.anna.pk).role == Role.CASEWORKER
    assert list(User.objects.get(pk=world.anna.pk).teams.all()) == [world.team_nord]
    assert not entries(object_type="user")


def test_a_team_of_another_organisation_is_refused(world, admin_client):
    from fokus.cases.models import Organisation, Unit

    other = Organisation.objects.create(name="Nabokommune")
    foreign = Team.objects.create(unit=Unit.objects.create(organisation=other, name="Fam"),
                                  name="Team Øst")
    response = post_change(admin_client, user_url(world.anna), teams=[foreign.pk])
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["teams"]
    assert list(world.anna.teams.all()) == [world.team_nord]
    assert not entries(object_type="user")


def test_the_admin_has_no_page_that_sets_another_user_s_password(world, admin_client):
    url = f"/admin/accounts/user/{world.bo.pk}/password/"
    old_hash = world.bo.password
    assert admin_client.get(url).status_code in (302, 404)
    response = admin_client.post(url, {"password1": "Ny-kode-til-Bo-2025",
                                       "password2": "Ny-kode-til-Bo-2025", "usable_password": "true"})
    assert response.status_code in (302, 404)
    world.bo.refresh_from_db()
    assert world.bo.password == old_hash
    assert "password" not in page_data(admin_client.get(user_url(world.bo)))
    with pytest.raises(account_actions.RightsRefused):
        account_actions.set_password(world.admin, world.bo, "Ny-kode-til-Bo-2025")


def test_a_password_reset_is_sent_to_the_user_and_logged(world, admin_client, client, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    world.bo.email = "bo@example.org"
    world.bo.save()
    old_hash = world.bo.password
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/accounts/user/", {
            "action": "send_password_reset", "_selected_action": [world.bo.pk, world.ali.pk]})
    assert response.status_code == 302
    [mail] = mailoutbox  # Ali has no address: none sent, and the administrator is told
    assert mail.to == ["bo@example.org"]
    [entry] = entries(object_type="user", purpose="password reset sent")
    assert (entry.username, entry.object_id) == ("admin", str(world.bo.pk))
    world.bo.refresh_from_db()
    assert world.bo.password == old_hash  # nothing set by the administrator
    link = next(line for line in mail.body.splitlines() if "://" in line).strip()
    path = link.split("testserver", 1)[1]
    admin_client.logout()
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
                           {"new_password1": "Bos-egen-kode-2025",
                            "new_password2": "Bos-egen-kode-2025"})
    assert response.status_code == 302
    world.bo.refresh_from_db()
    assert world.bo.check_password("Bos-egen-kode-2025")
    [done] = entries(object_type="user", purpose="password reset by the user")
    assert done.username == "bo"
    assert "Bos-egen" not in json.dumps(done.detail)


def test_a_user_added_in_the_admin_has_no_password_and_gets_a_link(
        world, admin_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/accounts/user/add/", {
            "username": "karen", "email": "karen@example.org", "organisation": world.org.pk,
            "role": Role.ANALYST, "_save": "Save"})
    assert response.status_code == 302
    karen = User.objects.get(username="karen")
    assert not karen.has_usable_password() and karen.is_active
    [entry] = entries(object_type="user", object_id=str(karen.pk), action="create")
    assert entry.username == "admin" and entry.detail["password"] == "unusable"
    assert any("://" in m.body for m in mailoutbox if m.to == ["karen@example.org"])


def test_a_new_caseworker_added_in_the_admin_waits_for_approval(world, admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "karen", "organisation": world.org.pk, "role": Role.CASEWORKER,
        "teams": [world.team_nord.pk], "_save": "Save"})
    assert response.status_code == 302
    karen = User.objects.get(username="karen")
    assert not karen.is_active and not karen.teams.exists()
    [grant] = PendingGrant.objects.filter(user=karen)
    assert grant.is_active and [t.pk for t in grant.teams.all()] == [world.team_nord.pk]


def test_deactivating_and_deleting_users_in_bulk_goes_through_the_actions(world, admin_client):
    ids = [world.ali.pk, world.dorte.pk]
    response = admin_client.post("/admin/accounts/user/", {
        "action": "deactivate", "_selected_action": ids})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=ids, is_active=True).exists()
    assert [(e.action, e.detail["new"]) for e in entries(object_type="user")] == [
        ("update", {"is_active": False})] * 2

    response = admin_client.post("/admin/accounts/user/", {
        "action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=ids).exists()
    deleted = entries(object_type="user", action="delete")
    assert sorted(int(e.object_id) for e in deleted) == sorted(ids)
    assert all(e.username == "admin" for e in deleted)


# --- one test per configuration admin -----------------------------------------------------

def test_a_licence_change_is_logged(world, admin_client):
    licence = InstrumentLicence.objects.get(organisation=world.org)
    until = TODAY() + datetime.timedelta(days=365)
    response = post_change(admin_client, f"/admin/instruments/instrumentlicence/{licence.pk}/change/",
                           valid_until=until.isoformat())
    assert response.status_code == 302
    [entry] = entries(object_type="instrument_licence")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "update", str(licence.pk))
    assert entry.detail["old"] == {"valid_until": None}
    assert entry.detail["new"] == {"valid_until": until.isoformat()}


def test_a_new_licence_names_who_recorded_it(world, admin_client):
    data = page_data(admin_client.get("/admin/instruments/instrumentlicence/add/"))
    data.update(organisation=world.org.pk, family="free", licensee="Testkommune",
                valid_from=TODAY().isoformat(), _save="Save")
    assert admin_client.post("/admin/instruments/instrumentlicence/add/", data).status_code == 302
    licence = InstrumentLicence.objects.get(family="free")
    assert licence.recorded_by == world.admin
    [entry] = entries(object_type="instrument_licence")
    assert entry.action == "create" and entry.detail["new"]["recorded_by"] == world.admin.pk


def test_an_item_wording_is_logged_without_its_licensed_text(world, admin_client):
    item = Instrument.objects.get(code="ORS").items.get(position=1)
    data = page_data(admin_client.get("/admin/instruments/itemwording/add/"))
    data.update(organisation=world.org.pk, item=item.pk, language="da",
                text="Hvordan har du det personligt?", _save="Save")
    assert admin_client.post("/admin/instruments/itemwording/add/", data).status_code == 302
    wording = ItemWording.objects.get(organisation=world.org, item=item)
    [entry] = entries(object_type="item_wording")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "create", str(wording.pk))
    assert "text" in entry.detail["changed"] and "text" not in entry.detail["new"]
    assert entry.detail["new"]["item"] == item.pk

    url = f"/admin/instruments/itemwording/{wording.pk}/change/"
    assert post_change(admin_client, url, text="Hvordan går det?").status_code == 302
    assert entries(object_type="item_wording")[-1].detail == {"changed": ["text"], "old": {},
                                                               "new": {}}


def test_a_new_setting_value_from_a_date_is_logged(world, admin_client):
    starts = TODAY() + datetime.timedelta(days=30)
    data = page_data(admin_client.get("/admin/instruments/organisationsetting/add/"))
    data.update(organisation=world.org.pk, key="reliable_change", value="5.0",
                valid_from=starts.isoformat(), provenance="Miller et al. 2003", _save="Save")
    assert admin_client.post("/admin/instruments/organisationsetting/add/", data).status_code == 302
    setting = OrganisationSetting.objects.get(organisation=world.org, key="reliable_change",
                                              valid_from=starts)
    [entry] = entries(object_type="fit_setting")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "create", str(setting.pk))
    assert entry.detail["new"]["value"] == "5.00"
    assert entry.detail["new"]["valid_from"] == starts.isoformat()


def test_a_setting_in_force_is_history_the_admin_does_not_rewrite(world, admin_client):
    past = OrganisationSetting.objects.get(organisation=world.org, key="reliable_change")
    url = f"/admin/instruments/organisationsetting/{past.pk}/change/"
    response = admin_client.post(url, {"organisation": world.org.pk, "key": past.key,
                                       "value": "1.0", "valid_from": past.valid_from.isoformat()})
    assert response.status_code == 403
    past.refresh_from_db()
    assert past.value != 1
    data = page_data(admin_client.get("/admin/instruments/organisationsetting/add/"))
    data.update(organisation=world.org.pk, key="reliable_change", value="5.0",
                valid_from=(TODAY() - datetime.timedelta(days=1)).isoformat(), _save="Save")
    response = admin_client.post("/admin/instruments/organisationsetting/add/", data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not entries(object_type="fit_setting")


def test_putting_a_parameter_set_in_force_is_logged(world, admin_client):
    published = ParameterSet.objects.get(organisation=None)
    starts = TODAY() + datetime.timedelta(days=1)
    data = page_data(admin_client.get("/admin/instruments/parametersetinforce/add/"))
    data.update(organisation=world.org.pk, parameter_set=published.pk,
                valid_from=starts.isoformat(), _save="Save")
    response = admin_client.post("/admin/instruments/parametersetinforce/add/", data)
    assert response.status_code == 302
    chosen = ParameterSetInForce.objects.get(organisation=world.org)
    [entry] = entries(object_type="parameter_set_in_force")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "create", str(chosen.pk))
    assert entry.detail["new"] == {"organisation": world.org.pk, "parameter_set": published.pk,
                                   "valid_from": starts.isoformat()}

    response = admin_client.post(f"/admin/instruments/parametersetinforce/{chosen.pk}/delete/",
                                 {"post": "yes"})
    assert response.status_code == 302
    assert not ParameterSetInForce.objects.exists()
    assert entries(object_type="parameter_set_in_force")[-1].action == "delete"


def test_a_parameter_set_change_names_the_table_not_its_numbers(world, admin_client):
    published = ParameterSet.objects.get(organisation=None)
    url = f"/admin/instruments/parameterset/{published.pk}/change/"
    assert post_change(admin_client, url, n_series="1234").status_code == 302
    [entry] = entries(object_type="parameter_set")
    assert entry.detail == {"changed": ["n_series"], "old": {"n_series": None},
                            "new": {"n_series": 1234}}


def test_an_instrument_item_changed_inline_is_logged(world, admin_client):
    ors = Instrument.objects.get(code="ORS")
    item = ors.items.get(position=1)
    url = f"/admin/instruments/instrument/{ors.pk}/change/"
    data = page_data(admin_client.get(url))
    index = next(i for i in range(ors.items.count())
                 if str(data[f"items-{i}-id"]) == str(item.pk))
    data.update({f"items-{index}-label_en": "Me, myself", "_save": "Save"})
    assert admin_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.label_en == "Me, myself"
    logged = {(e.object_type, e.object_id): e for e in entries()}
    assert logged[("instrument_item", str(item.pk))].detail["new"] == {"label_en": "Me, myself"}
    assert logged[("instrument", str(ors.pk))].detail["changed"] == []


def test_a_team_change_is_logged(world, admin_client):
    url = f"/admin/cases/team/{world.team_syd.pk}/change/"
    assert post_change(admin_client, url, name="Team Sydvest").status_code == 302
    [entry] = entries(object_type="team")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "update",
                                                               str(world.team_syd.pk))
    assert entry.detail == {"changed": ["name"], "old": {"name": "Team Syd"},
                            "new": {"name": "Team Sydvest"}}


def test_a_team_added_and_deleted_on_the_units_page_is_logged(world, admin_client):
    unit = world.team_nord.unit
    url = f"/admin/cases/unit/{unit.pk}/change/"
    data = page_data(admin_client.get(url))
    total = int(data["teams-TOTAL_FORMS"])
    data.update({"teams-TOTAL_FORMS": total + 1, f"teams-{total}-name": "Team Vest",
                 f"teams-{total}-unit": unit.pk, "_save": "Save"})
    assert admin_client.post(url, data).status_code == 302
    vest = Team.objects.get(name="Team Vest")
    assert [(e.action, e.object_id) for e in entries(object_type="team")] == [
        ("create", str(vest.pk))]

    response = admin_client.post("/admin/cases/team/", {
        "action": "delete_selected", "_selected_action": [vest.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Team.objects.filter(pk=vest.pk).exists()
    assert entries(object_type="team")[-1].action == "delete"


def test_a_conversation_prompt_edited_in_the_admin_is_logged(world, admin_client):
    prompt = ConversationPrompt.objects.get(kind="no_change", language="da")
    url = f"/admin/insights/conversationprompt/{prompt.pk}/change/"
    assert post_change(admin_client, url, text="Hvad skal der til?").status_code == 302
    [entry] = entries(object_type="conversation_prompt")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "update", str(prompt.pk))
    assert entry.detail["changed"] == ["text"]


def test_a_permission_group_is_logged(world, admin_client):
    data = page_data(admin_client.get("/admin/auth/group/add/"))
    data.update(name="Revisorer", _save="Save")
    assert admin_client.post("/admin/auth/group/add/", data).status_code == 302
    [entry] = entries(object_type="group")
    assert entry.action == "create" and entry.detail["new"]["name"] == "Revisorer"


# --- nothing registered writes past the actions -------------------------------------------

def test_every_admin_writes_through_actions_or_not_at_all(world, rf):
    request = rf.get("/admin/")
    request.user = world.admin
    for model, model_admin in django_admin.site._registry.items():
        writes = (model_admin.has_add_permission(request)
                  or model_admin.has_change_permission(request)
                  or model_admin.has_delete_permission(request))
        if writes:
            assert isinstance(model_admin, ActionAdmin), model
            for method in ("save_model", "delete_model"):
                if method == "delete_model" and not model_admin.has_delete_permission(request):
                    continue
                assert getattr(type(model_admin), method) is not getattr(ActionAdmin, method), (
                    model, method)


def test_every_admin_page_still_renders(world, admin_client, rf):
    from django.db import transaction

    from fokus.audit.actions import record

    request = rf.get("/admin/")
    request.user = world.admin
    # An entry of the configuration's trail, the part of the log an administrator sees.
    with transaction.atomic():
        record(world.admin, "update", "setting", "1", purpose="configuration")
    for model, model_admin in django_admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert admin_client.get(base).status_code == 200, base
        if model_admin.has_add_permission(request):
            assert admin_client.get(f"{base}add/").status_code == 200, base
        # The first object this administrator's admin shows (it is scoped: his
        # organisation; in the access log, the configuration's trail only).
        first = model_admin.get_queryset(request).first()
        if first is not None:
            assert admin_client.get(f"{base}{first.pk}/change/").status_code == 200, base
