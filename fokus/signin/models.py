from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdentity(models.Model):
    """Who a user is at the municipality's identity provider: the provider (its entity id
    or issuer) and the subject it names her by (SAML's persistent id or OIOSAML's uuid,
    OpenID Connect's sub or Entra ID's oid). A single sign-on finds its user by this pair
    only, never by a username or an e-mail address another person could be given."""

    issuer = models.CharField(_("identity provider"), max_length=500)
    subject = models.CharField(_("subject"), max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="external_identities", verbose_name=_("user"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"],
                                               name="external_identity_unique")]

    def __str__(self) -> str:
        return f"{self.issuer} #{self.pk}"
