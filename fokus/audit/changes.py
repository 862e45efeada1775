"""What a configuration write changed, for its access-log entry.

The actions of the apps (accounts, cases, instruments, insights) call save_logged
and delete_logged for the plain writes of configuration rows: the row is saved (or
deleted) and its access-log entry written in one transaction, the entry's detail
naming the fields that changed with their old and new values:

    {"changed": ["role", "teams"],
     "old": {"role": "caseworker", "teams": [1]},
     "new": {"role": "team_leader", "teams": [1, 2]}}

A field listed in `hide` is named in "changed" but its values are left out (names
and e-mail addresses of staff, long texts, parameter tables). Passwords and their
hashes are never a field here: the accounts actions log only that one was set.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from fokus.audit.actions import record
from fokus.audit.models import AccessAction


def json_value(value):
    """A value as the JSON detail keeps it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        # In UTC and to the second, as the admin's form shows it (without microseconds).
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def values(obj, fields, m2m=()) -> dict:
    """{field name: value} of a model instance; a foreign key by its id, a
    many-to-many field as the sorted ids (empty for an unsaved instance)."""
    found = {name: json_value(getattr(obj, obj._meta.get_field(name).attname))
             for name in fields}
    for name in m2m:
        found[name] = (sorted(getattr(obj, name).values_list("pk", flat=True))
                       if obj.pk is not None else [])
    return found


def diff(before: dict | None, after: dict | None, *, hide=()) -> dict:
    """The detail of a write: before is None for a new row, after is None for a
    deleted one."""
    if before is None:
        changed = sorted(k for k, v in after.items() if v not in (None, "", []))
    elif after is None:
        changed = sorted(before)
    else:
        changed = sorted(k for k in after if before.get(k) != after[k])
    detail: dict = {"changed": changed}
    if before is not None:
        detail["old"] = {k: before[k] for k in changed if k not in hide}
    if after is not None:
        detail["new"] = {k: after[k] for k in changed if k not in hide}
    return detail


def stored(obj, fields, m2m=()) -> dict | None:
    """The values of the row as the database holds it now (None if it has none)."""
    if obj.pk is None:
        return None
    row = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
    return None if row is None else values(row, fields, m2m)


@transaction.atomic
def save_logged(user, obj, *, object_type: str, fields, m2m: dict | None = None, hide=(),
                purpose: str = "", extra: dict | None = None):
    """Validate and save a new or changed row (and set its many-to-many fields,
    {name: iterable}, when given), with its CREATE or UPDATE entry."""
    m2m = m2m or {}
    before = stored(obj, fields, m2m)
    obj.full_clean()
    obj.save()
    for name, related in m2m.items():
        getattr(obj, name).set(related)
    after = stored(obj, fields, m2m)  # as stored: 5.0 given is 5.00 kept
    record(user, AccessAction.CREATE if before is None else AccessAction.UPDATE, object_type,
           obj.pk, purpose=purpose, detail={**diff(before, after, hide=hide), **(extra or {})})
    return obj


@transaction.atomic
def delete_logged(user, obj, *, object_type: str, fields, m2m=(), hide=(), purpose: str = "",
                  extra: dict | None = None) -> None:
    """Delete a row, with its DELETE entry giving the values it had."""
    before = stored(obj, fields, m2m) or values(obj, fields, m2m)
    pk = obj.pk
    obj.delete()
    record(user, AccessAction.DELETE, object_type, pk, purpose=purpose,
           detail={**diff(before, None, hide=hide), **(extra or {})})
