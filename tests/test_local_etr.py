"""Local expected paths, end to end: the organisation's closed series are fitted,
stored as a named parameter set, and put in force from a date."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Organisation
from fokus.demo.generator import generate_demo
from fokus.instruments.access import etr_model_in_force
from fokus.instruments.models import ParameterSet, ParameterSetInForce
from fokus.outcomes import DEFAULT_MODEL


@pytest.fixture
def demo(db):
    generate_demo()
    return Organisation.objects.get(name="Demo Kommune")


def test_calibration_stores_a_named_set_with_its_fit_report(demo, capsys):
    call_command("calibrate-etr", organisation="Demo Kommune", name="Lokal 2026")
    out = capsys.readouterr().out
    assert "Time = meeting" in out and "Time = weeks" in out
    assert "Better predictor of held-back series" in out
    stored = ParameterSet.objects.get(organisation=demo, name="Lokal 2026")
    assert stored.n_series >= 20
    report = stored.fit_report
    assert report["better_time_scale"] in {"meeting", "weeks"}
    assert {c["name"] for c in report["meeting"]["coefficients"]} >= {"mean0", "byIntake3"}
    assert report["meeting"]["holdout"]["rmse"] > 0
    assert stored.parameters["short_youth"]["time_scale"] == "meeting"
    # Other sets stay the published ones.
    assert stored.parameters["short_adult"] == DEFAULT_MODEL.short_adult.to_dict()
    # The read of the ratings is in the access log, without names.
    entry = AccessLogEntry.objects.filter(purpose="local ETR calibration", action="list").get()
    assert entry.detail["pseudonymised"] is True


def test_a_set_is_in_force_from_its_date_and_results_name_it(demo):
    call_command("calibrate-etr", organisation="Demo Kommune", name="Lokal")
    stored = ParameterSet.objects.get(name="Lokal")
    start = datetime.date(2026, 1, 1)
    ParameterSetInForce.objects.create(organisation=demo, parameter_set=stored, valid_from=start)
    before = etr_model_in_force(demo.pk, start - datetime.timedelta(days=1))
    after = etr_model_in_force(demo.pk, start)
    assert before is DEFAULT_MODEL
    assert after.name == "Lokal"
    assert after.short_youth.mean == tuple(stored.parameters["short_youth"]["mean"])
    assert after.short_adult == DEFAULT_MODEL.short_adult


def test_a_weeks_based_set_cannot_be_put_in_force(demo):
    published = ParameterSet.objects.get(organisation=None)
    parameters = dict(published.parameters)
    parameters["short_youth"] = dict(parameters["short_youth"], time_scale="weeks")
    weeks = ParameterSet.objects.create(name="Uger", source="test", parameters=parameters,
                                        fitted_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        ParameterSetInForce(organisation=demo, parameter_set=weeks,
                            valid_from=datetime.date(2026, 1, 1)).full_clean()


def test_too_few_series_is_a_clear_error(db):
    from django.core.management.base import CommandError

    from fokus.instruments import actions

    actions.create_organisation("Lille Kommune", settings_valid_from=datetime.date(2020, 1, 1))
    with pytest.raises(CommandError, match="at least 20 are needed"):
        call_command("calibrate-etr", organisation="Lille Kommune")


def test_the_case_graph_uses_the_set_in_force_and_says_so(world, login):
    from django.urls import reverse

    published = ParameterSet.objects.get(organisation=None)
    parameters = dict(published.parameters)
    # A local set that expects no change at all: the path stays at the intake.
    parameters["short_adult"] = dict(parameters["short_adult"], mean=[20.0, 0, 0, 0],
                                     by_intake=[1.0, 0, 0, 0])
    flat = ParameterSet.objects.create(organisation=world.org, name="Flad lokal kurve",
                                       source="test", parameters=parameters,
                                       fitted_on=datetime.date(2020, 1, 1))
    ParameterSetInForce.objects.create(organisation=world.org, parameter_set=flat,
                                       valid_from=datetime.date(2020, 1, 1))
    day = timezone.localdate() - datetime.timedelta(days=60)
    world.rate(world.mother, "ORS", ["4", "4", "4", "4"], on=day)
    world.rate(world.mother, "ORS", ["5", "5", "5", "5"])
    html = login(world.anna).get(reverse("insights:case", args=[world.hansen.pk])).content.decode()
    assert "Flad lokal kurve" in html
    # Sara (adult, intake 16.0) is on track against a flat path: green, not below it.
    from fokus.cases.access import get_case_detail_for_user
    from fokus.insights.series import case_series
    from fokus.insights.signals import case_signals

    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    tracks, _signals = case_signals(data, "en")
    assert [t.colour for t in tracks if t.label == "Sara"] == ["green"]
    assert data.model.name == "Flad lokal kurve"
