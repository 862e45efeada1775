"""Editable conversation prompts for the signals, and the record of a meeting.

The record's note and agreed next steps live here, not on cases.Meeting, so that
the meeting model stays the rating engineer's.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SignalKind(models.TextChoices):
    NOT_ON_TRACK = "not_on_track", _("Not on track")
    DETERIORATION = "deterioration", _("Reliable deterioration")
    LOW_ALLIANCE = "low_alliance", _("Low alliance")
    FALLING_ALLIANCE = "falling_alliance", _("Falling alliance")
    NO_RATING = "no_rating", _("No rating at the last meetings")
    RATERS_DISAGREE = "raters_disagree", _("Raters disagree")
    NO_CHANGE = "no_change", _("Nothing changes")
    FACES_SAD = "faces_sad", _("A young child's sad face")


class ConversationPrompt(models.Model):
    """What the caseworker might ask the family when a signal shows.
    Seeded with Fokus's own short defaults; an administrator edits them in the admin."""

    kind = models.CharField(_("signal"), max_length=30, choices=SignalKind)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    text = models.TextField(_("conversation prompt"), max_length=1000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation prompt")
        verbose_name_plural = _("conversation prompts")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="one_prompt_per_kind_language"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in SignalKind]),
                                   name="prompt_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class MeetingRecord(models.Model):
    """The caseworker's short note and the agreed next steps after a meeting."""

    meeting = models.OneToOneField("cases.Meeting", on_delete=models.CASCADE,
                                   related_name="record", verbose_name=_("meeting"))
    note = models.TextField(_("short note"), blank=True, max_length=2000)
    next_steps = models.TextField(_("agreed next steps"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting record")
        verbose_name_plural = _("meeting records")

    def __str__(self) -> str:
        return f"{self.meeting_id}"


class TeamDecision(models.Model):
    """What the team decided about a case at its FIT conference: who does what by when.
    Written only through insights.actions.record_team_decision (which checks that the
    case is the team's and that the user may act for the team)."""

    team = models.ForeignKey("cases.Team", on_delete=models.PROTECT, related_name="decisions",
                             verbose_name=_("team"))
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE,
                             related_name="team_decisions", verbose_name=_("case"))
    decided_on = models.DateField(_("conference date"))
    what = models.TextField(_("what"), max_length=1000)
    who_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("who (team member)"))
    who_text = models.CharField(_("who"), max_length=200, blank=True)
    by_when = models.DateField(_("by when"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team decision")
        verbose_name_plural = _("team decisions")
        ordering = ["-decided_on", "id"]
        indexes = [models.Index(fields=["team", "case", "decided_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(who_user__isnull=False) | ~Q(who_text=""),
                                   name="team_decision_has_who"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decided_on}"

    @property
    def who(self) -> str:
        return self.who_user.display_name if self.who_user_id else self.who_text


class CaseFigures(models.Model):
    """What the caseload and the board show of a case, computed ahead from its ratings
    by fokus.insights.case_figures (the case page's own series and signals), so that a
    list of hundreds of cases is not computed on every request.

    `stamp` names the inputs the figures were computed from (the number and the
    newest id of the case's ratings, meetings, missing ratings, people and
    interventions, the organisation's FIT settings and ETR sets, the code's rules);
    a page compares it with the case's stamp now and recomputes a case whose inputs
    changed before it shows it. No names: people are referred to by id, and their
    names are read when the page is drawn. Written only by case_figures.store_figures."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True,
                                related_name="figures")
    stamp = models.CharField(max_length=200)
    computed_at = models.DateTimeField()
    # The caseload's order: the most urgent FIT reason's rank and tie, and every rank
    # that fires (the signal filter); the Barnets lov deadlines are added when read.
    rank = models.PositiveSmallIntegerField()
    tie = models.FloatField(default=0)
    ranks = models.JSONField(default=list)
    # The board's order ([colour, kind, -reds, -reasons]), or null: not on the board.
    board_key = models.JSONField(null=True, blank=True)
    # The dates the deadlines need.
    last_meeting = models.DateField(null=True, blank=True)
    first_intervention = models.DateField(null=True, blank=True)
    # The children's lines, the reasons and the board's rows (see case_figures).
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("case figures")
        verbose_name_plural = _("case figures")

    def __str__(self) -> str:
        return f"{self.case_id}"


class GraphImage(models.Model):
    """A case graph rendered to SVG, kept so that no reader waits for the renderer.

    Rendered ahead by the task worker when a rating is committed
    (fokus.insights.tasks.render_graph_ahead), or by the graph view itself when the
    worker has not got to it yet. A table rather than Django's cache: the cache is in
    each process's memory, and the worker and every app process must read the same
    pictures; the database is what they all share, with no other server to run.

    `version` is the digest of the graph's whole spec and label (fokus.insights.graph.
    Graph.version): every rating, name, setting and word drawn is in it, so a row whose
    version is not the graph's version now is never served. One row per case,
    language and size (the next render replaces it); deleted with the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=5)
    size = models.CharField(max_length=10)
    version = models.CharField(max_length=32)
    svg = models.TextField()
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("kept case graph")
        verbose_name_plural = _("kept case graphs")
        constraints = [
            models.UniqueConstraint(fields=["case", "language", "size"],
                                    name="one_graph_image_per_case_language_size"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.language} {self.size}"
