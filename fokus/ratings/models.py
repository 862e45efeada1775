"""Ratings: what a person said, exactly as they said it.

Scores are exact decimals with one decimal place (cm on a 10 cm line). The total
always equals the sum of the item answers: fokus.ratings.actions.record_rating is
the only way in, and it checks that before anything is stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fokus.instruments.models import Measures


class RatingMode(models.TextChoices):
    TABLET = "tablet", _("On the tablet")
    LINK = "link", _("Through a rating link")
    PAPER = "paper", _("Typed in from paper")


class Rating(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="ratings")
    meeting = models.ForeignKey(
        "cases.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    instrument = models.ForeignKey(
        "instruments.Instrument", on_delete=models.PROTECT, related_name="ratings"
    )
    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, related_name="ratings",
        verbose_name=_("the person rated"),
    )
    # The rater is the person rated for a self-rating, or e.g. a parent rating a child.
    rater = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, related_name="ratings_given",
        verbose_name=_("rater"),
    )
    rated_on = models.DateField(_("date"))
    total = models.DecimalField(_("total"), max_digits=4, decimal_places=1)
    mode = models.CharField(_("taken"), max_length=10, choices=RatingMode)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="ratings_entered", verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    # Set by the device that took the rating: a retry of the same submission
    # finds the stored rating instead of storing it twice.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["rated_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(total__lte=40), name="rating_total_in_range"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=[m.value for m in RatingMode]), name="rating_mode_known"
            ),
        ]
        indexes = [models.Index(fields=["case", "person", "rated_on"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.rated_on:%Y-%m-%d}"

    @property
    def is_self_rating(self) -> bool:
        return self.person_id == self.rater_id


class RatingAnswer(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey("instruments.InstrumentItem", on_delete=models.PROTECT)
    value = models.DecimalField(_("value"), max_digits=3, decimal_places=1)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["item__position"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "item"], name="one_answer_per_item"),
            # Every item type Fokus knows lies within 0..10 (a 10 cm line, a 1-4
            # choice, a 0-5 Likert); the item's own range is checked on the way in.
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=10), name="answer_value_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class MissingReason(models.TextChoices):
    REFUSED = "refused", _("Refused")
    NOT_PRESENT = "not_present", _("Not present")
    TOO_YOUNG = "too_young", _("Too young")
    TOO_UPSET = "too_upset", _("Too upset")
    NOT_OFFERED = "not_offered", _("Not offered")
    # Its own context: "Language" is also the language switch ("Sprog"); as a reason
    # for not rating it is a language barrier ("Sprogbarriere").
    LANGUAGE = "language", pgettext_lazy("reason for not rating", "Language")


class MissingRating(models.Model):
    """Why someone did not rate at a meeting, so that missing data can be told
    apart from forgotten data in every statistic."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="missing_ratings")
    meeting = models.ForeignKey(
        "cases.Meeting", on_delete=models.CASCADE, related_name="missing_ratings"
    )
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE)
    measures = models.CharField(_("what was not rated"), max_length=20,
                                default=Measures.OUTCOME.value)
    reason = models.CharField(_("reason"), max_length=20, choices=MissingReason)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("missing rating")
        verbose_name_plural = _("missing ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person", "measures"], name="one_missing_reason_per_meeting"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=[r.value for r in MissingReason]),
                name="missing_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.measures})"


class SendState(models.TextChoices):
    """Where a rating link's message is: the task worker sends it (fokus.ratings.sending)."""

    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("could not be sent")


class RatingLink(models.Model):
    """A one-time link for a person to rate on their own phone. Only the SHA-256
    hashes of its tokens are stored: a token exists only in the message sent."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="rating_links")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE,
                               related_name="rating_links")
    rater = models.ForeignKey("cases.Person", on_delete=models.CASCADE,
                              related_name="rating_links_given")
    instrument = models.ForeignKey("instruments.Instrument", on_delete=models.PROTECT)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("sent by"), max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="rating_links_sent",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    rating = models.OneToOneField(Rating, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="link")
    # The language the link was sent in (its page and its reminder).
    language = models.CharField(_("language"), max_length=8, default="da")
    # One reminder for an unanswered link (Organisation.rating_link_reminder_hours): the
    # address is kept only for it, and erased when it is sent, the link is used or it
    # expires (fokus.ratings.tasks). The reminder carries a second token for the same
    # link, made when it is sent; like the first, only its hash is stored. Either token
    # opens the link until it is used or expires; the link takes one rating either way.
    reminder_address = models.CharField(max_length=200, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    reminder_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                           editable=False)
    # Sending (fokus.ratings.sending): the task worker sends the message, retrying with
    # back-off while the mail server or SMS gateway is down. The address is kept only
    # until the message is sent or given up on; each attempt makes a fresh token.
    send_state = models.CharField(_("sending"), max_length=10, choices=SendState.choices,
                                  default=SendState.PENDING)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    send_address = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.created_at:%Y-%m-%d}"
