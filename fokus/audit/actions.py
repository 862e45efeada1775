from django.db import transaction

from fokus.audit.models import AccessLogEntry


def record(user, action: str, object_type: str, object_id=None, *, case_id=None,
           person_id=None, purpose: str = "", detail: dict | None = None) -> AccessLogEntry:
    """Write one access-log entry. Call it inside the transaction of the read or
    write it records, so that neither can happen without the other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction it records")
    return AccessLogEntry.objects.create(
        user_id=getattr(user, "pk", None),
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        case_id=case_id,
        person_id=person_id,
        purpose=purpose[:200],
        detail=detail or {},
    )
