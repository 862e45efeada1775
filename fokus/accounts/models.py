from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    TEAM_LEADER = "team_leader", _("Team leader")
    FIT_SUPERUSER = "fit_superuser", _("FIT superuser")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")
    # The data protection officer (DPO): the access log, nothing else.
    DPO = "dpo", _("Data protection officer")


class User(AbstractUser):
    """A member of staff. What she may see is decided by her role and teams
    (see fokus.cases.access), never by checks spread through views."""

    organisation = models.ForeignKey(
        "cases.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="staff", verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CASEWORKER)
    teams = models.ManyToManyField(
        "cases.Team", blank=True, related_name="members", verbose_name=_("teams")
    )
    # Raised by "sign out everywhere" (and a password reset): every session made
    # before carries the old value in its auth hash and is ended at its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # When another person (an administrator) last changed her e-mail address: a password
    # reset link is held for a while after it (fokus.accounts.policy.reset_held_until), so
    # an administrator cannot send her link to an address of his own.
    email_changed_by_other_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        ]

    def get_session_auth_hash(self):
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "fokus.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PendingGrant(models.Model):
    """A grant that lets a user see case data (a role that sees it, a new team for such a
    role, or such a user made active), asked for by an administrator and waiting for a
    second person (fokus.accounts.policy.may_approve). Until it is approved the user keeps
    the rights he had; what was asked is kept here, and who decided and when."""

    organisation = models.ForeignKey("cases.Organisation", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pending_grants",
                             verbose_name=_("user"))
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("asked for by"))
    requested_at = models.DateTimeField(_("asked for"), default=timezone.now)
    role = models.CharField(_("role"), max_length=20, choices=Role)
    teams = models.ManyToManyField("cases.Team", blank=True, related_name="+",
                                   verbose_name=_("teams"))
    is_active = models.BooleanField(_("active"), default=True)
    # The rights before the request ({"role", "organisation", "teams", "is_active"}), ids only.
    previous = models.JSONField(_("before"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=GrantStatus,
                              default=GrantStatus.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant waiting for approval")
        verbose_name_plural = _("grants waiting for approval")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]),
                                   name="pendinggrant_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_role_display()} ({self.get_status_display()})"
