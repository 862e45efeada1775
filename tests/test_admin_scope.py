"""The admin is limited to the administrator's own organisation (issue 11, docs/roles.md):
every change list, change, delete and history page and every foreign-key choice; another
organisation's object by URL or forged POST answers 404, changes nothing and is logged.
A platform operator (superuser without organisation) only creates organisations and their
first administrator."""

import datetime

import pytest
from django.contrib import admin as django_admin

from fokus.accounts.admin import organisation_lookup
from fokus.accounts.models import Role, User
from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Organisation, Team, Unit
from fokus.instruments.models import InstrumentLicence
from fokus.privacy.models import ResearchProject


@pytest.fixture
def other(world):
    """A second municipality with a unit, a team, an administrator, a caseworker, a
    licence, settings (create_organisation), and a research project."""
    from fokus.instruments.actions import create_organisation

    org = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    unit = Unit.objects.create(organisation=org, name="Anden familieafdeling")
    team = Team.objects.create(unit=unit, name="Team Vest")
    User.objects.create_user("anden_admin", organisation=org, role=Role.ADMINISTRATOR,
                             is_staff=True)
    worker = User.objects.create_user("anden_sagsbehandler", organisation=org,
                                      role=Role.CASEWORKER, email="x@example.org")
    worker.teams.set([team])
    InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Anden",
                                     valid_from=datetime.date(2000, 1, 1))
    ResearchProject.objects.create(organisation=org, name="Andet projekt", purpose="p")
    return org


def _scoped_admins():
    return [(model, model_admin) for model, model_admin in django_admin.site._registry.items()
            if organisation_lookup(model) is not None]


def _theirs(model, org):
    return model._default_manager.filter(**{organisation_lookup(model): org.pk})


def _base(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def test_every_organisation_admin_is_scoped():
    from fokus.accounts.admin import OrganisationScoped

    for model, model_admin in _scoped_admins():
        assert isinstance(model_admin, OrganisationScoped), model._meta.label


def test_the_other_organisation_s_objects_are_not_listed_nor_opened(world, other, client):
    client.force_login(world.admin)
    tried = 0
    for model, _model_admin in _scoped_admins():
        theirs = list(_theirs(model, other))
        if not theirs:
            continue
        response = client.get(_base(model))
        assert response.status_code == 200, model
        listed = {obj.pk for obj in response.context["cl"].result_list}
        assert not listed & {obj.pk for obj in theirs}, model
        ours = _theirs(model, world.org)
        assert listed == set(ours.values_list("pk", flat=True)) or model._meta.label in (
            "instruments.InstrumentWording", "instruments.ItemWording",
            "instruments.ParameterSet"), model
        for suffix in ("change/", "delete/", "history/"):
            before = AccessLogEntry.objects.filter(purpose="admin other organisation").count()
            response = client.get(f"{_base(model)}{theirs[0].pk}/{suffix}")
            assert response.status_code == 404, (model, suffix)
            assert AccessLogEntry.objects.filter(
                purpose="admin other organisation").count() == before + 1
        tried += 1
    assert tried >= 7  # users, organisation, unit, team, licence, settings, project


def test_a_forged_post_for_the_other_organisation_changes_nothing(world, other, client):
    client.force_login(world.admin)
    worker = User.objects.get(username="anden_sagsbehandler")
    response = client.post(f"/admin/accounts/user/{worker.pk}/change/", {
        "username": "anden_sagsbehandler", "email": "mallory@example.org",
        "organisation": world.org.pk, "role": Role.ADMINISTRATOR, "is_active": "on"})
    assert response.status_code == 404
    worker.refresh_from_db()
    assert (worker.email, worker.role, worker.organisation_id) == (
        "x@example.org", Role.CASEWORKER, other.pk)
    for action in ("deactivate", "send_password_reset", "delete_selected"):
        response = client.post("/admin/accounts/user/", {
            "action": action, "_selected_action": [worker.pk], "post": "yes"})
        assert response.status_code == 404, action
    assert User.objects.get(pk=worker.pk).is_active
    response = client.post(f"/admin/cases/organisation/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 404 and Organisation.objects.filter(pk=other.pk).exists()
    entry = AccessLogEntry.objects.filter(purpose="admin other organisation").first()
    assert entry.user_id == world.admin.pk and entry.action == "denied"


def test_foreign_key_choices_are_his_organisation_s(world, other, client):
    client.force_login(world.admin)
    form = client.get("/admin/accounts/user/add/").context["adminform"].form
    assert set(form.fields["organisation"].queryset) == {world.org}
    assert set(form.fields["teams"].queryset) == {world.team_nord, world.team_syd}
    form = client.get("/admin/cases/team/add/").context["adminform"].form
    assert set(form.fields["unit"].queryset) == set(Unit.objects.filter(organisation=world.org))
    # A user added for the other organisation by a forged POST is refused.
    response = client.post("/admin/accounts/user/add/", {
        "username": "indsmuglet", "organisation": other.pk, "role": Role.ANALYST})
    assert response.status_code == 200 and not User.objects.filter(username="indsmuglet").exists()


def test_the_platform_operator_only_creates_organisations_and_their_first_administrator(
        world, other, client):
    operator = User.objects.create_user("platform", role=Role.ADMINISTRATOR, is_staff=True,
                                        is_superuser=True)
    client.force_login(operator)
    for model, _model_admin in _scoped_admins():
        response = client.get(_base(model))
        if model is Organisation:
            assert response.status_code == 200
            assert len(response.context["cl"].result_list) == Organisation.objects.count()
        else:
            assert response.status_code in (200, 403), model
            if response.status_code == 200:
                assert not list(response.context["cl"].result_list), model
    assert client.get(f"/admin/cases/organisation/{other.pk}/delete/").status_code == 403
    assert client.get("/admin/cases/unit/add/").status_code == 403
    response = client.get("/admin/accounts/user/add/")
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    assert other in form.fields["organisation"].queryset
    client.post("/admin/accounts/user/add/", {
        "username": "foerste_admin", "email": "a@example.org", "organisation": other.pk,
        "role": Role.CASEWORKER})
    first = User.objects.get(username="foerste_admin")
    assert (first.role, first.is_staff, first.organisation_id) == (
        Role.ADMINISTRATOR, True, other.pk)
    assert not first.teams.exists()
