from django.contrib.auth.models import AbstractUser
from django.db import models
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
