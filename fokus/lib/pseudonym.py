"""Stable pseudonyms for ids, for people who must never see names (analysts,
research exports). Keyed with the site's secret, so a pseudonym cannot be
turned back into an id without it."""

import hashlib
import hmac

from django.conf import settings


def pseudonym(kind: str, object_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{kind}:{object_id}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:10].upper()
