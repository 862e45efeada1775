"""The case page's list of rating links and where each one's message is (sent, waiting
to be sent by the task worker, or given up on): `{% rating_links case %}`."""

import datetime

from django import template
from django.db.models import Q
from django.utils import timezone

from fokus.ratings.models import RatingLink, SendState

register = template.Library()

RECENT = datetime.timedelta(days=14)
SHOWN = 10


@register.inclusion_tag("ratings/_links.html")
def rating_links(case) -> dict:
    """The case's links of the last two weeks and any still waiting, newest first. The
    case was read (and logged) by the page; a link shows only the rater's first name."""
    recent = Q(created_at__gte=timezone.now() - RECENT) | Q(send_state=SendState.PENDING)
    shown = (RatingLink.objects.filter(recent, case_id=case.pk)
             .select_related("rater", "instrument").order_by("-created_at", "-pk")[:SHOWN])
    return {"links": [{"link": link, "next_attempt": link.send_attempts + 1} for link in shown],
            "states": SendState}
