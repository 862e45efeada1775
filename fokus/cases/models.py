"""The organisation and the family's case: who, which indsats, which period.

Fokus is not the case system of record; it holds the minimum case facts needed
to read the FIT graphs, and the meetings the ratings belong to.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from fokus.cases.cpr import EncryptedCprField, check_lookup_hashes, clean_cpr
from fokus.lib import crypto


class Organisation(models.Model):
    """A municipality (kommune)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    municipality_code = models.CharField(_("municipality code"), max_length=4, blank=True)
    # FIT is for learning, not a league table: a caseworker's own figures are hers.
    leaders_see_caseworker_figures = models.BooleanField(
        _("team leaders see each caseworker's own figures"), default=False,
        help_text=_("Off: a caseworker's outcome figures are shown to her alone. On: her "
                    "team leader may open them too, one caseworker at a time, never ranked."))
    # Rating links: the address they come from, and one reminder for an unanswered link.
    rating_link_sender = models.EmailField(
        _("rating links are sent from"), blank=True,
        help_text=_("The e-mail address rating links and reminders come from, e.g. the family "
                    "department's. Empty: the server's default sender."))
    rating_link_reminder_hours = models.PositiveSmallIntegerField(
        _("remind after (hours)"), default=0,
        help_text=_("An unanswered rating link is followed by one reminder after this many "
                    "hours, if it has not expired by then. 0: never."))

    # Separation of duties (issue 11): a role that sees case data is granted only when a
    # second person (another administrator or a department head) approves it.
    role_grants_need_approval = models.BooleanField(
        _("a second person approves roles that see case data"), default=True,
        help_text=_("On: giving someone a role that sees children's cases takes effect only "
                    "when another administrator or a department head approves it."))
    caseworkers_see_own_cases_only = models.BooleanField(
        _("caseworkers see only their own cases"), default=False,
        help_text=_("Off: a caseworker sees her teams' cases. On: only the cases she is "
                    "caseworker on."))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit of the organisation, e.g. the family department (familieafdeling)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="teams",
                             verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    SCREENING = "screening", _("Screening")
    INVESTIGATION = "investigation", _("Investigation")
    SUPPORT = "support", _("Support")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class LegalBasis(models.TextChoices):
    """The section of Barnets lov (in force 1 January 2024) the case is handled under."""

    BL_18 = "bl_18", _("Barnets lov §18 (screening of a concern)")
    BL_20 = "bl_20", _("Barnets lov §20 (child investigation)")
    BL_32 = "bl_32", _("Barnets lov §32 (supportive measures)")
    BL_46 = "bl_46", _("Barnets lov §46 (placement with consent)")
    BL_47 = "bl_47", _("Barnets lov §47 (placement without consent)")
    BL_95 = "bl_95", _("Barnets lov §95 (follow-up)")


class OpeningReason(models.TextChoices):
    NOTIFICATION = "notification", _("Notification of concern (underretning)")
    APPLICATION = "application", _("Application from the family")
    OTHER = "other", _("Other")


class Case(models.Model):
    """A family's case (sag)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cases", verbose_name=_("caseworkers")
    )
    reference = models.CharField(
        _("case number"), max_length=40,
        help_text=_("The case's number in the municipality's case system."),
    )
    family_name = models.CharField(_("family"), max_length=200)
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase, default=Phase.SCREENING)
    legal_basis = models.CharField(
        _("legal basis"), max_length=10, choices=LegalBasis, default=LegalBasis.BL_18
    )
    opening_reason = models.CharField(
        _("reason for opening"), max_length=20, choices=OpeningReason,
        default=OpeningReason.NOTIFICATION,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the case last changed (team, phase, closing, a new intervention): the
    # figures computed ahead (insights.organisation_series) find changed cases by it.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="case_reference_unique"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            ),
            # A closed case has a closing date, and only a closed case has one.
            models.CheckConstraint(
                condition=(Q(phase="closed") & Q(closed_on__isnull=False))
                | (~Q(phase="closed") & Q(closed_on__isnull=True)),
                name="case_closed_phase_matches_date",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in Phase]), name="case_phase_known"
            ),
        ]
        indexes = [models.Index(fields=["team", "phase"])]

    def __str__(self) -> str:
        return self.reference


class PersonRole(models.TextChoices):
    CHILD = "child", _("Child")
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    STEP_PARENT = "step_parent", _("Step-parent")
    OTHER = "other", _("Other")


class PersonQuerySet(models.QuerySet):
    def with_cpr(self, number) -> "PersonQuerySet":
        """The persons with this CPR number (DDMMYY-XXXX or 10 digits, as clean_cpr
        takes it), found by the keyed hash without decrypting; none for an invalid number."""
        try:
            digits = clean_cpr(number)
        except ValidationError:
            return self.none()
        check_lookup_hashes(self)
        return self.filter(cpr_lookup=crypto.lookup_hash(digits))


class Person(models.Model):
    """A person in a case: the child, a parent, a foster parent, the network."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    role = models.CharField(_("role in the case"), max_length=20, choices=PersonRole)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    # The CPR number is never shown in a list, a URL or a log: see cpr_masked. It is
    # encrypted in the database (issue 11: fokus.cases.cpr, docs/cpr-encryption.md) and
    # found by its keyed hash: Person.objects.with_cpr(number).
    cpr = EncryptedCprField(_("CPR number"), blank=True, editable=False,
                            lookup_field="cpr_lookup")
    cpr_lookup = models.CharField(max_length=80, blank=True, default="", db_default="",
                                  editable=False, db_index=True)
    # The person's id in an imported ratings file (fokus.interchange.imports), unique in
    # its case; exports write it back, so that export -> import -> export is the same file.
    import_id = models.CharField(_("id in an imported file"), max_length=40, blank=True,
                                 default="", db_default="", editable=False)
    # A child's own ratings are never shown to the parents on the family screen.
    ratings_private_from_parents = models.BooleanField(
        _("ratings not shown to the parents"), default=False,
        help_text=_("The child has asked that parents don't see the child's ratings."),
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        constraints = [
            # An imported rater the file gives no birth date for (a parent rating a
            # child) is the one person without one.
            models.CheckConstraint(
                condition=Q(birth_date__isnull=False) | Q(birth_year__isnull=False)
                | ~Q(import_id=""),
                name="person_has_birth_date_or_year",
            ),
            models.UniqueConstraint(fields=["case", "import_id"], condition=~Q(import_id=""),
                                    name="person_import_id_unique_in_case"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | (Q(birth_year__gte=1900) & Q(birth_year__lte=2100)),
                name="person_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in PersonRole]), name="person_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.first_name

    def __repr__(self) -> str:  # never the CPR number
        return f"<Person {self.pk}>"

    def save(self, *args, **kwargs):
        # The keyed hash follows the number, also when only the number is saved.
        fields = kwargs.get("update_fields")
        if fields is not None and "cpr" in fields and "cpr_lookup" not in fields:
            kwargs["update_fields"] = [*fields, "cpr_lookup"]
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_cpr(self) -> bool:
        return bool(self.cpr)

    @property
    def cpr_masked(self) -> str:
        return f"{self.cpr[:6]}-xxxx" if self.cpr else ""

    @property
    def age_today(self) -> int:
        from django.utils import timezone

        return self.age_on(timezone.localdate())

    def age_on(self, day: datetime.date) -> int:
        """Whole years on `day`. With only a birth year known, the birthday is
        taken as 1 July, the middle of the year."""
        born = self.birth_date or datetime.date(self.birth_year or day.year, 7, 1)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class InterventionType(models.TextChoices):
    """Supportive measures of Barnets lov §32 stk. 1, and placement (§§46-47)."""

    HOME_SUPPORT = "bl32_1", _("Practical, educational or other support in the home (§32, 1)")
    FAMILY_TREATMENT = "bl32_2", _("Family treatment (§32, 2)")
    FAMILY_RESIDENTIAL = "bl32_3", _("Residential stay for the whole family (§32, 3)")
    RESPITE = "bl32_4", _("Respite stay (§32, 4)")
    PERSONAL_ADVISER = "bl32_5", _("Personal adviser (§32, 5)")
    CONTACT_PERSON = "bl32_6", _("Permanent contact person (§32, 6)")
    TRAINEESHIP = "bl32_7", _("Traineeship (§32, 7)")
    OTHER_SUPPORT = "bl32_8", _("Other support (§32, 8)")
    PLACEMENT_CONSENT = "bl46", _("Placement with consent (§46)")
    PLACEMENT_NO_CONSENT = "bl47", _("Placement without consent (§47)")


class Intervention(models.Model):
    """An indsats: a support measure over a period."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    type = models.CharField(_("type"), max_length=10, choices=InterventionType)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    start = models.DateField(_("start"))
    expected_duration_weeks = models.PositiveSmallIntegerField(
        _("expected duration (weeks)"), null=True, blank=True
    )
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="intervention_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in InterventionType]),
                name="intervention_type_known",
            ),
        ]

    def __str__(self) -> str:
        return self.get_type_display()


class MeetingKind(models.TextChoices):
    OFFICE = "office", _("At the office")
    HOME_VISIT = "home_visit", _("Home visit")
    NETWORK = "network", _("Network meeting")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    GROUP = "group", _("Group session")


class MeetingQuerySet(models.QuerySet):
    def held(self):
        """The meetings that took place: without those cancelled (started by mistake).
        The one way every reader of meetings (signals, the graph, the caseload, the
        dashboards, FIT use, the record) leaves cancelled meetings out; a cancelled
        meeting is kept for the access log only.

        On a case's meetings prefetched with the case (``case.meetings.held()``) it
        filters the rows already fetched and makes no query."""
        if self._result_cache is not None:
            clone = self.filter(cancelled_at__isnull=True)
            clone._result_cache = [m for m in self._result_cache if m.cancelled_at is None]
            clone._prefetch_done = True
            return clone
        return self.filter(cancelled_at__isnull=True)


class Meeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind)
    participants = models.ManyToManyField(
        Person, blank=True, related_name="meetings", verbose_name=_("who took part")
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="meetings_held", verbose_name=_("caseworker"),
    )
    note = models.TextField(_("short note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # A meeting started by mistake is cancelled, never deleted: see MeetingQuerySet.held.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="meetings_cancelled", verbose_name=_("cancelled by"),
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["held_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in MeetingKind]), name="meeting_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["case", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
