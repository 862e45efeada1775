"""Rotating the CPR keys (issue 11; docs/cpr-encryption.md), for `fokus rotate-cpr-key`.

Encryption key: put the new key first in FOKUS_CPR_KEYS (the old one after it), then
rotate_encryption() re-encrypts every number still under an older key with the first
one, batch by batch, each batch in its own transaction. Run it again and it finds
nothing left to do (idempotent); a run stopped half-way is finished by running it again.
Once it reports every number on the current key, the old key may be removed.

Lookup key: set the new FOKUS_CPR_LOOKUP_KEY, then rotate_lookup() recomputes every
hash from the decrypted number. Until it has run, Person.objects.with_cpr() refuses
with a clear error instead of silently finding no one.

Each batch writes one access-log entry naming the persons whose row changed.
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.functions import Cast

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.cpr import cpr_digits
from fokus.cases.models import Person
from fokus.lib import crypto

BATCH_SIZE = 500


@dataclass
class Rotation:
    changed: int = 0
    unchanged: int = 0
    batches: int = 0


def _ids() -> list[int]:
    return list(Person.objects.exclude(cpr="").order_by("pk").values_list("pk", flat=True))


def _raw_rows(ids: list[int]):
    """(pk, token, lookup hash) as stored: the token is not decrypted."""
    return (Person.objects.filter(pk__in=ids).select_for_update().order_by("pk")
            .annotate(token=Cast("cpr", models.TextField()))
            .values_list("pk", "token", "cpr_lookup"))


def _rotate(kind: str, change, batch_size: int, dry_run: bool) -> Rotation:
    result = Rotation()
    ids = _ids()
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            changed = []
            for pk, token, lookup in _raw_rows(ids[start:start + batch_size]):
                try:
                    update = change(token, lookup)
                except crypto.CprKeyError as exc:
                    raise crypto.CprKeyError(f"Person {pk}: {exc}") from None
                if update is None:
                    result.unchanged += 1
                    continue
                if not dry_run:
                    Person.objects.filter(pk=pk).update(**update)
                changed.append(pk)
            result.changed += len(changed)
            result.batches += 1
            if changed and not dry_run:
                record(None, AccessAction.UPDATE, "person", purpose=f"cpr_key_rotation:{kind}",
                       detail={"person_ids": changed, "cpr_key_rotation": kind})
    return result


def _reencrypt(token: str, lookup: str):
    if crypto.is_current(token):
        return None
    # A Value with a plain output field: written as it is, not encrypted a second time.
    return {"cpr": models.Value(crypto.reencrypt(token), output_field=models.TextField())}


def _rehash(token: str, lookup: str):
    new = crypto.lookup_hash(cpr_digits(crypto.decrypt(token)))
    return None if new == lookup else {"cpr_lookup": new}


def rotate_encryption(batch_size: int = BATCH_SIZE, dry_run: bool = False) -> Rotation:
    """Re-encrypt with the first key of FOKUS_CPR_KEYS every number still under another."""
    return _rotate("encryption", _reencrypt, batch_size, dry_run)


def rotate_lookup(batch_size: int = BATCH_SIZE, dry_run: bool = False) -> Rotation:
    """Recompute with FOKUS_CPR_LOOKUP_KEY every hash made with another key."""
    return _rotate("lookup", _rehash, batch_size, dry_run)
