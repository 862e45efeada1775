"""What the family screen and the rating-link page share: JSON in, JSON out."""

import json
import uuid

from django.http import JsonResponse
from django.utils.translation import gettext as _


def parse_submission(request) -> dict | None:
    """The JSON body of a submission, or None if it is not a JSON object."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_key(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def bad_request(messages) -> JsonResponse:
    return JsonResponse({"status": "refused", "errors": list(messages)}, status=400)


def conflict(exc) -> JsonResponse:
    """409: the submission's key was stored before with another rating; nothing changed."""
    return JsonResponse({"status": "conflict", "errors": list(exc.messages)}, status=409)


def unreadable() -> JsonResponse:
    return bad_request([_("The submission could not be read.")])


def saved(rating, *, created: bool) -> JsonResponse:
    """201 for a rating stored now; 200 and "already saved" for one stored before."""
    if created:
        return JsonResponse({"status": "saved", "id": rating.pk}, status=201)
    return JsonResponse({"status": "saved", "id": rating.pk, "already": True,
                         "message": _("Already saved")}, status=200)
