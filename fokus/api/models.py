"""API tokens: one per system that calls the REST API, bound to an organisation and
its scopes (fokus.accounts.policy.API_SCOPES). Only the SHA-256 of the token is kept;
the token itself is shown once, when it is created (fokus.api.actions.create_token)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    name = models.CharField(_("system"), max_length=200,
                            help_text=_("The system that uses the token, e.g. the case system."))
    organisation = models.ForeignKey("cases.Organisation", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    # The public part of the token (fokus_<prefix>_<secret>): finds the row; the secret's
    # hash is then compared in constant time.
    prefix = models.CharField(_("token starts"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    read_ratings = models.BooleanField(
        _("read ratings"), default=True,
        help_text=_("Cases, persons (no names), meetings, ratings and their outcome series."))
    write_ratings = models.BooleanField(_("write ratings"), default=False)
    read_aggregates = models.BooleanField(
        _("read aggregates"), default=False,
        help_text=_("Figures by team, intervention or age group; small groups suppressed."))
    read_names = models.BooleanField(_("read names"), default=False,
                                     help_text=_("Persons' names and birth dates."))
    read_cpr = models.BooleanField(_("read CPR numbers"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False,
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False,
                                   verbose_name=_("revoked by"))
    # A token that opens case data waits for a second administrator where the
    # organisation's role_grants_need_approval is on (policy.token_needs_approval).
    needs_approval = models.BooleanField(_("waiting for approval"), default=False,
                                         editable=False)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", editable=False,
                                    verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["organisation", "name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def scopes(self) -> frozenset[str]:
        from fokus.accounts.policy import API_SCOPE_NAMES

        return frozenset(name for name in API_SCOPE_NAMES if getattr(self, name))

    def usable(self, now=None) -> bool:
        """Not revoked, not expired, approved where that was needed."""
        now = now or timezone.now()
        return (self.revoked_at is None
                and (self.expires_at is None or self.expires_at > now)
                and (not self.needs_approval or self.approved_at is not None))
