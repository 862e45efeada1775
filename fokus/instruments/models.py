"""Instruments as data: a new instrument is a record, not a release.

The ORS family's texts belong to their authors. Fokus ships only the structure
and short labels; the full item wording is entered per organisation, under the
licence the organisation has recorded (InstrumentLicence, ItemWording).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fokus.lib.i18n import current_language
from fokus.outcomes import rules
from fokus.outcomes.settings import DEFAULT_SETTINGS as OUTCOME_DEFAULTS


class ItemType(models.TextChoices):
    VAS_10CM = "vas10", _("10 cm visual-analogue line")
    PICTORIAL = "pictorial", _("Pictorial choice")
    LIKERT = "likert", _("Likert choice")


class Measures(models.TextChoices):
    # The values are the engine's (fokus.outcomes.rules), so the two never drift apart.
    OUTCOME = rules.OUTCOME, _("Outcome (how life is going)")
    ALLIANCE = rules.ALLIANCE, _("Alliance (how the meeting went)")
    WELLBEING = "wellbeing", _("Wellbeing")


class Family(models.TextChoices):
    ORS = "ors", _("ORS family (licensed)")
    FREE = "free", _("Free to use")


class Instrument(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.CharField(_("family"), max_length=10, choices=Family)
    measures = models.CharField(_("measures"), max_length=20, choices=Measures)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=0)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    child_version = models.BooleanField(_("child version (faces at the ends)"), default=False)
    group_session = models.BooleanField(_("for group sessions"), default=False)
    # YCORS/YCSRS have no psychometric validation: shown, never in outcome statistics.
    in_statistics = models.BooleanField(_("used in outcome statistics"), default=True)
    snomed_code = models.CharField(_("SNOMED CT code"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__gte=models.F("min_age")),
                name="instrument_age_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def fits_age(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)

    def age_range_text(self) -> str:
        if self.max_age is None:
            return f"{self.min_age}+"
        return f"{self.min_age}-{self.max_age}"


class InstrumentItem(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    label_da = models.CharField(_("short label (Danish)"), max_length=100)
    label_en = models.CharField(_("short label (English)"), max_length=100)
    min_value = models.DecimalField(_("lowest value"), max_digits=4, decimal_places=1)
    max_value = models.DecimalField(_("highest value"), max_digits=4, decimal_places=1)
    # 0.1 for a 10 cm line (one decimal, in cm), 1 for a choice.
    step = models.DecimalField(_("step"), max_digits=3, decimal_places=1, default=Decimal("0.1"))
    # For Likert and pictorial items: [{"value": 0, "da": "...", "en": "..."}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "position"], name="item_position_unique"),
            models.CheckConstraint(
                condition=Q(max_value__gt=models.F("min_value")), name="item_range_valid"
            ),
            models.CheckConstraint(condition=Q(step__gt=0), name="item_step_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if current_language() == "en" else self.label_da


class InstrumentLicence(models.Model):
    """The organisation's licence to use an instrument family (e.g. the ORS family
    from its authors). Without one in force, the family cannot be used."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, related_name="licences"
    )
    family = models.CharField(_("instrument family"), max_length=10, choices=Family)
    licensee = models.CharField(_("licensee"), max_length=200)
    reference = models.CharField(_("licence reference"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("instrument licence")
        verbose_name_plural = _("instrument licences")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="licence_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_family_display()}: {self.licensee}"


class InstrumentWording(models.Model):
    """What a person reads before rating, in one language: the instruction with its time
    frame, and the instruction for someone rating another person (a parent rating a
    child). An organisation's row is entered by its administrator (for the ORS family,
    under its licence); a row without an organisation ships with Fokus (free
    instruments only, e.g. WHO-5) and serves every organisation that has none."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="instrument_wordings",
        help_text=_("Empty: shipped with Fokus, for every organisation (free instruments only)."))
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="wordings",
                                   verbose_name=_("instrument"))
    language = models.CharField(_("language"), max_length=5,
                                choices=settings.FAMILY_SCREEN_LANGUAGES)
    instruction = models.TextField(
        _("instruction"), help_text=_("With its time frame, e.g. the last week."))
    instruction_other = models.TextField(
        _("instruction when rating someone else"), blank=True,
        help_text=_("For a parent rating a child. {name} is replaced by the first name of the "
                    "person rated. Empty: the instruction above."))

    class Meta:
        verbose_name = _("instrument wording")
        verbose_name_plural = _("instrument wordings")
        ordering = ["instrument", "language"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "instrument", "language"],
                                    condition=Q(organisation__isnull=False),
                                    name="instrument_wording_unique"),
            models.UniqueConstraint(fields=["instrument", "language"],
                                    condition=Q(organisation__isnull=True),
                                    name="instrument_wording_shipped_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.language})"


class ItemWording(models.Model):
    """An item's wording in one language: its label, the full text and the words at
    both ends of its line. Entered by the organisation (for the ORS family under its
    licence), or shipped with Fokus (no organisation; free instruments only)."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="item_wordings",
        help_text=_("Empty: shipped with Fokus, for every organisation (free instruments only)."))
    item = models.ForeignKey(InstrumentItem, on_delete=models.CASCADE, related_name="wordings",
                             verbose_name=_("item"))
    language = models.CharField(_("language"), max_length=5,
                                choices=settings.FAMILY_SCREEN_LANGUAGES)
    label = models.CharField(_("label"), max_length=200, blank=True,
                             help_text=_("Empty: the item's short label (Danish and English "
                                         "only)."))
    text = models.TextField(_("wording"), blank=True)
    text_other = models.TextField(
        _("wording when rating someone else"), blank=True,
        help_text=_("For a parent rating a child; {name} is the child's first name. Empty: "
                    "the wording above."))
    low_anchor = models.CharField(_("words at the low end"), max_length=100, blank=True)
    high_anchor = models.CharField(_("words at the high end"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("item wording")
        verbose_name_plural = _("item wordings")
        ordering = ["item", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "item", "language"],
                condition=Q(organisation__isnull=False), name="wording_unique"),
            models.UniqueConstraint(
                fields=["item", "language"],
                condition=Q(organisation__isnull=True), name="wording_shipped_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.language})"


class SettingKey(models.TextChoices):
    CUTOFF_ADULT = "cutoff_adult", _("Clinical cutoff, adult 18+")
    CUTOFF_YOUTH = "cutoff_youth", _("Clinical cutoff, youth 13-17")
    CUTOFF_CHILD = "cutoff_child", _("Clinical cutoff, child 6-12 (CORS)")
    CUTOFF_CARER_CHILD = "cutoff_carer_child", _("Clinical cutoff, carer rating a child")
    RELIABLE_CHANGE = "reliable_change", _("Reliable change (points)")
    SD_ADULT = "sd_adult", _("SD for effect sizes, adult")
    SD_YOUTH = "sd_youth", _("SD for effect sizes, youth and child")
    SRS_CUTOFF = "srs_cutoff", _("SRS alliance cutoff")
    SRS_DROP = "srs_drop", _("SRS alert: drop from the previous SRS")
    ETR_CEILING = "etr_ceiling", _("No expected path when intake is above")


# Defaults with provenance: the outcomes engine's (docs/fit-definitions.md section 2), stored
# per organisation with a valid-from date.
DEFAULT_SETTINGS: dict[str, tuple[str, str]] = {
    key: (str(Decimal(str(getattr(OUTCOME_DEFAULTS, key)))), OUTCOME_DEFAULTS.provenance[key])
    for key in SettingKey.values
}


class OrganisationSetting(models.Model):
    """A setting with a valid-from date: a change never rewrites a past report."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, related_name="fit_settings"
    )
    key = models.CharField(_("setting"), max_length=30, choices=SettingKey)
    value = models.DecimalField(_("value"), max_digits=6, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    provenance = models.TextField(_("provenance"), blank=True)

    class Meta:
        verbose_name = _("FIT setting")
        verbose_name_plural = _("FIT settings")
        ordering = ["organisation", "key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "valid_from"], name="setting_once_per_date"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="setting_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} = {self.value}"


class ParameterSet(models.Model):
    """An ETR parameter set: data with a name, a source, a date and the number of
    series it was fitted on. Published sets have no organisation."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="parameter_sets",
    )
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(_("source"))
    fitted_on = models.DateField(_("date"))
    n_series = models.PositiveIntegerField(_("number of series"), null=True, blank=True)
    # {"short_adult": {"mean": [..4], "by_intake": [..4], "flatten": 9,
    #   "target_flatten": 5, "max_meetings": 12}, "short_youth": ..., ...}
    parameters = models.JSONField(_("parameters"))
    fit_report = models.JSONField(_("fit report"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ETR parameter set")
        verbose_name_plural = _("ETR parameter sets")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="parameter_set_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ParameterSetInForce(models.Model):
    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.CASCADE, related_name="parameter_sets_in_force"
    )
    parameter_set = models.ForeignKey(ParameterSet, on_delete=models.PROTECT)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("ETR parameter set in force")
        verbose_name_plural = _("ETR parameter sets in force")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "valid_from"], name="one_parameter_set_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter_set} ({self.valid_from})"

    def clean(self):
        from django.core.exceptions import ValidationError

        # The graph and the signals place the expected path by meeting number; a set
        # fitted on elapsed weeks is stored for comparison but cannot be put in force yet.
        scales = {part.get("time_scale", "meeting") for key, part in
                  (self.parameter_set.parameters or {}).items() if isinstance(part, dict)}
        if scales - {"meeting"}:
            raise ValidationError(_("Only a parameter set fitted on meeting number can be put "
                                    "in force."))

