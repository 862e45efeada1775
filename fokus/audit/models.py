"""The access log: who read or changed which personal data, when, and why.

Append-only and tamper-evident. Entries are written in the same transaction as the
read or write they record (fokus.audit.actions.record), each chained to the one
before by its hash (fokus.audit.chain). Updates are refused by the model, by its
manager (bulk operations included) and by a database trigger; on PostgreSQL the
application's role may only insert and select (`fokus audit grants`). Deletion
belongs to retention alone (`fokus audit prune`, chain.prune_before).
"""

from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("List")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    DENIED = "denied", _("Denied")
    # Logins (fokus.accounts.actions): max_length 10, hence "login_fail".
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_fail", _("Failed login")
    LOCKED_OUT = "locked_out", _("Login locked out")
    LOGOUT = "logout", _("Logout")
    # Retention (fokus.audit.chain.prune_before): how many entries were deleted, and
    # the last one's hash, from which the chain goes on.
    PRUNE = "prune", _("Log entries deleted (retention)")


class AppendOnlyQuerySet(models.QuerySet):
    """Reads and single inserts only: every bulk change of the log is refused."""

    def _refuse(self, *args, **kwargs):
        raise PermissionError("The access log is append-only")

    update = delete = bulk_update = bulk_create = _refuse
    # The admin's and serialisers' private paths too.
    _update = _raw_delete = _refuse


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AccessLogEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Not a foreign key: the log outlives the user account.
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction)
    object_type = models.CharField(_("what"), max_length=40)
    object_id = models.CharField(_("id"), max_length=64, blank=True)
    case_id = models.BigIntegerField(_("case"), null=True, blank=True, db_index=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    purpose = models.CharField(_("why"), max_length=200, blank=True)
    # Ids touched by a list read, e.g. {"case_ids": [...]}: ids only, never names.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # The hash chain (fokus.audit.chain): the entry's place in the order written, and
    # the SHA-256 of its fields and the previous entry's hash.
    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AppendOnlyManager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        # Local time, as everywhere else in Fokus (the stored value is UTC).
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only")
        from fokus.audit.chain import chain_new_entry

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            chain_new_entry(self, using)
            kwargs["force_insert"] = True
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only")
