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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
