"""The access log's hash chain: what makes a change of the log visible.

Each entry carries a sequence number (`seq`, 1, 2, 3, ... in the order the entries
were written) and `hash`, the SHA-256 of a canonical serialisation of its fields
and the previous entry's hash (GENESIS before the first). An entry edited, deleted,
inserted or moved breaks the chain from there on; `fokus audit verify` walks it and
names the first entry that does not fit.

The chain has no key: whoever may write the table directly (the database owner) can
compute a whole new chain. What catches that is the chain's head, exported daily
(`fokus audit export-head`) to a file the application cannot rewrite, and checked
with `fokus audit verify --against FILE`.

Appending is serialised: on PostgreSQL with a transaction-level advisory lock taken
before the last entry is read, held until the writer's transaction ends, so the
order of the sequence numbers is the order of the commits; SQLite has one writer at
a time anyway (transaction_mode IMMEDIATE).

Pruning (retention): `prune_before()` deletes the oldest entries, a prefix of the
chain, and appends a summary entry (action "prune") recording the last deleted
entry's sequence number and hash: the chain's start after pruning.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.utils import timezone

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises appends.
_LOCK_KEY = 0x464F4B5553_4C4F47 & 0x7FFFFFFFFFFFFFFF  # "FOKUS" "LOG"
PRUNE_ACTION = "prune"


def canonical_detail(detail) -> object:
    """The detail as the database gives it back: JSON round-tripped (tuples become
    lists, keys strings)."""
    return json.loads(json.dumps(detail if detail is not None else {}))


_EXACT = 2**53  # integers a float holds exactly


def _hashable(value):
    """A detail's value as it is hashed: numbers the way any database gives them back.
    PostgreSQL's jsonb keeps numbers as decimals, so 1e16 comes back as the integer
    10000000000000000 and 1.0 may come back as 1.0 or 1: an integral number below 2**53
    is hashed as that integer, any other number as the nearest float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return value
        if abs(value) < _EXACT:
            return int(value)
        return float(value)
    if isinstance(value, dict):
        return {key: _hashable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_hashable(item) for item in value]
    return value


def utc_iso(at: datetime.datetime) -> str:
    if timezone.is_naive(at):
        at = timezone.make_aware(at, datetime.UTC)
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def entry_hash(*, seq: int, at: datetime.datetime, user_id, username: str, action: str,
               object_type: str, object_id: str, case_id, person_id, purpose: str,
               detail, prev: str) -> str:
    """The hash of one entry: SHA-256 over the JSON array of its fields (time in UTC,
    detail with sorted keys, its numbers as _hashable gives them) followed by the
    previous entry's hash."""
    body = json.dumps(
        [seq, utc_iso(at), user_id, username, action, object_type, object_id, case_id,
         person_id, purpose, _hashable(canonical_detail(detail))],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{body}\n{prev}".encode()).hexdigest()


def hash_of(entry, prev: str) -> str:
    """The hash an entry (a model instance or a historical one) must have after prev."""
    return entry_hash(seq=entry.seq, at=entry.at, user_id=entry.user_id,
                      username=entry.username, action=entry.action,
                      object_type=entry.object_type, object_id=entry.object_id,
                      case_id=entry.case_id, person_id=entry.person_id,
                      purpose=entry.purpose, detail=entry.detail, prev=prev)


def lock_chain(using: str) -> None:
    """Serialise appends until the current transaction ends (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _model():
    from fokus.audit.models import AccessLogEntry

    return AccessLogEntry


def head(using: str | None = None) -> tuple[int, str]:
    """(sequence number, hash) of the chain's last entry; (0, GENESIS) when empty."""
    model = _model()
    using = using or router.db_for_read(model)
    last = (model.objects.using(using).exclude(seq=None).order_by("-seq")
            .values_list("seq", "hash").first())
    return last if last is not None else (0, GENESIS)


def _locked_head(using: str) -> tuple[int, str]:
    """Take the chain's lock, then read its head. On PostgreSQL in one round trip: the
    function audit_chain_head (migration 0005) locks, then reads with a fresh snapshot."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        lock_chain(using)
        return head(using)
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_chain_head(%s)", [_LOCK_KEY])
        row = cursor.fetchone()
    return (row[0], row[1]) if row is not None else (0, GENESIS)


def chain_new_entry(entry, using: str) -> None:
    """Give an entry about to be inserted its place in the chain. The caller holds an
    atomic block on `using`; the lock is held until its transaction ends."""
    for name in ("user_id", "username", "action", "object_type", "object_id", "case_id",
                 "person_id", "purpose"):
        # As the database will give it back (an id given as "5" comes back as 5).
        setattr(entry, name, entry._meta.get_field(name).to_python(getattr(entry, name)))
    entry.detail = canonical_detail(entry.detail)
    if entry.at is None:
        entry.at = timezone.now()
    seq, prev = _locked_head(using)
    entry.seq = seq + 1
    entry.hash = hash_of(entry, prev)


# --- verification ---------------------------------------------------------------------

@dataclass
class Result:
    ok: bool
    entries: int = 0
    first: tuple | None = None  # (seq, id, at)
    last: tuple | None = None
    head_hash: str = GENESIS
    start: str = "genesis"  # or "pruned up to seq N"
    problem: str = ""
    problem_seq: int | None = None
    problem_id: int | None = None
    heads_checked: int = 0
    heads_pruned: int = 0
    notes: list[str] = field(default_factory=list)


def _prune_summaries(model, using) -> list:
    return list(model.objects.using(using).filter(action=PRUNE_ACTION).exclude(seq=None)
                .order_by("seq"))


def _summary_for(summaries, last_seq: int):
    """The (latest) prune summary that says the chain was cut after last_seq."""
    found = [s for s in summaries if isinstance(s.detail, dict)
             and s.detail.get("last_seq") == last_seq]
    return found[-1] if found else None


def _iter_entries(model, using) -> Iterator:
    return (model.objects.using(using).exclude(seq=None).order_by("seq")
            .iterator(chunk_size=2000))


def verify(using: str | None = None) -> Result:
    """Walk the chain; the Result names the first entry that does not fit."""
    model = _model()
    using = using or router.db_for_read(model)
    result = Result(ok=True)
    unchained = (model.objects.using(using).filter(seq=None).order_by("id")
                 .values_list("id", flat=True).first())
    if unchained is not None:
        result.ok = False
        result.problem_id = unchained
        result.problem = (f"entry id {unchained} has no sequence number: it was inserted "
                          "outside the chain")
        return result
    summaries = _prune_summaries(model, using)
    prev_seq, prev_hash, prev_id = None, GENESIS, None
    for entry in _iter_entries(model, using):
        if prev_seq is None:
            if entry.seq != 1:
                summary = _summary_for(summaries, entry.seq - 1)
                if summary is None:
                    return _fail(result, entry.seq - 1, None,
                                 f"entries before seq {entry.seq} (id {entry.id}) are "
                                 f"missing and no prune summary accounts for them: the log "
                                 f"was cut from the start (entry seq {entry.seq - 1} deleted)")
                prev_hash = summary.detail.get("last_hash", "")
                result.start = (f"pruned up to seq {entry.seq - 1} "
                                f"(summary seq {summary.seq})")
            result.first = (entry.seq, entry.id, entry.at)
        elif entry.seq != prev_seq + 1:
            return _fail(result, prev_seq + 1, None,
                         f"entry seq {prev_seq + 1} is missing (deleted) between id "
                         f"{prev_id} (seq {prev_seq}) and id {entry.id} (seq {entry.seq})")
        expected = hash_of(entry, prev_hash)
        if entry.hash != expected:
            return _fail(result, entry.seq, entry.id,
                         f"entry seq {entry.seq} (id {entry.id}) does not fit the chain: "
                         "it was edited, inserted or moved"
                         + ("" if result.entries else ", or the entries before it deleted"))
        result.entries += 1
        prev_seq, prev_hash, prev_id = entry.seq, entry.hash, entry.id
        result.last = (entry.seq, entry.id, entry.at)
    result.head_hash = prev_hash
    return result


def _fail(result: Result, seq, entry_id, problem: str) -> Result:
    result.ok = False
    result.problem_seq = seq
    result.problem_id = entry_id
    result.problem = problem
    return result


# --- the exported head ------------------------------------------------------------------

def head_line(using: str | None = None, now: datetime.datetime | None = None) -> str:
    """One line for the head file: time (UTC), last sequence number, head hash, count."""
    model = _model()
    using = using or router.db_for_read(model)
    with transaction.atomic(using=using):
        seq, hash_ = head(using)
        count = model.objects.using(using).count()
    now = now or timezone.now()
    return f"{utc_iso(now)}\tseq={seq}\thash={hash_}\tcount={count}"


def export_head(path, using: str | None = None) -> str:
    """Append the chain's head to the file (created if missing), synced to disk."""
    import os
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = head_line(using)
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        if path.is_file():  # not a pipe or a terminal (--file /dev/stdout)
            os.fsync(out.fileno())
    return line


class HeadFileError(ValueError):
    pass


def read_heads(path) -> list[tuple[int, int, str]]:
    """[(line number, seq, hash)] of a head file; blank lines and # comments skipped."""
    heads = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = dict(part.split("=", 1) for part in line.split("\t")[1:] if "=" in part)
            try:
                seq = int(fields["seq"])
                hash_ = fields["hash"]
            except (KeyError, ValueError) as exc:
                raise HeadFileError(f"line {number} is not a head line") from exc
            if len(hash_) != 64:
                raise HeadFileError(f"line {number} is not a head line")
            heads.append((number, seq, hash_))
    return heads


def check_heads(result: Result, heads, using: str | None = None) -> Result:
    """Every exported head must still be on the chain: its entry there with its hash,
    or pruned (older than the chain's start, accounted for by a prune summary)."""
    model = _model()
    using = using or router.db_for_read(model)
    if not result.ok:
        return result
    first_seq = result.first[0] if result.first else None
    last_seq = result.last[0] if result.last else 0
    summaries = _prune_summaries(model, using)
    for number, seq, hash_ in heads:
        if seq == 0:
            result.heads_checked += 1
            continue
        if seq > last_seq:
            return _fail(result, seq, None,
                         f"the head exported on line {number} (seq {seq}) is beyond the "
                         f"chain's last entry (seq {last_seq}): entries were deleted from "
                         "the end or the log rewritten")
        if first_seq is not None and seq < first_seq:
            cut = [s for s in summaries if isinstance(s.detail, dict)
                   and isinstance(s.detail.get("last_seq"), int) and s.detail["last_seq"] >= seq]
            if not cut:
                return _fail(result, seq, None,
                             f"the head exported on line {number} (seq {seq}) is gone and no "
                             "prune summary accounts for it")
            exact = [s for s in cut if s.detail["last_seq"] == seq]
            if exact and exact[-1].detail.get("last_hash") != hash_:
                return _fail(result, seq, None,
                             f"the head exported on line {number} (seq {seq}) does not match "
                             "the prune summary's hash: the log was rewritten")
            result.heads_pruned += 1
            continue
        stored = (model.objects.using(using).filter(seq=seq).values_list("id", "hash")
                  .first())
        if stored is None or stored[1] != hash_:
            return _fail(result, seq, stored[0] if stored else None,
                         f"the head exported on line {number} (seq {seq}) is no longer on the "
                         "chain: the log was rewritten from there or before")
        result.heads_checked += 1
    return result


# --- retention ------------------------------------------------------------------------

@dataclass
class PrunePlan:
    count: int
    last_seq: int | None
    last_hash: str | None
    first_at: datetime.datetime | None
    last_at: datetime.datetime | None


def plan_prune(cutoff: datetime.datetime, using: str) -> PrunePlan:
    """The prefix of the chain older than cutoff: every entry before the first entry
    written at or after cutoff (an entry written late but stamped early stays)."""
    model = _model()
    entries = model.objects.using(using).exclude(seq=None)
    keep_from = (entries.filter(at__gte=cutoff).order_by("seq")
                 .values_list("seq", flat=True).first())
    doomed = entries.filter(at__lt=cutoff)
    if keep_from is not None:
        doomed = doomed.filter(seq__lt=keep_from)
    else:
        doomed = entries
    last = doomed.order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        return PrunePlan(0, None, None, None, None)
    span = entries.filter(seq__lte=last[0])
    first_at = span.order_by("at").values_list("at", flat=True).first()
    last_at = span.order_by("-at").values_list("at", flat=True).first()
    return PrunePlan(span.count(), last[0], last[1], first_at, last_at)


def _delete_entries_up_to_bypassing_the_guard(last_seq: int, using: str) -> int:
    """THE ONE PLACE where access-log entries are deleted: retention's prefix of the
    chain, by raw SQL past the ORM's guard. On PostgreSQL it needs the DELETE right the
    application's role does not have (`fokus audit grants`): run pruning as the owner."""
    model = _model()
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE seq <= %s",  # noqa: S608
                       [last_seq])
        return cursor.rowcount


def prune_before(cutoff: datetime.datetime, *, months: int | None = None,
                 dry_run: bool = False, using: str | None = None) -> tuple[PrunePlan, object]:
    """Delete the entries older than cutoff and append the summary entry. Returns the
    plan and the summary entry (None on a dry run or when nothing is old enough)."""
    from fokus.audit.actions import record

    model = _model()
    using = using or router.db_for_write(model)
    with transaction.atomic(using=using):
        lock_chain(using)
        plan = plan_prune(cutoff, using)
        if dry_run or plan.count == 0:
            return plan, None
        # The summary first, chained to the head as it is (were every entry old, the
        # chain would otherwise start again from GENESIS); then the old prefix goes.
        detail = {"pruned": plan.count, "from": utc_iso(plan.first_at),
                  "to": utc_iso(plan.last_at), "last_seq": plan.last_seq,
                  "last_hash": plan.last_hash, "cutoff": utc_iso(cutoff)}
        if months is not None:
            detail["older_than_months"] = months
        summary = record(None, PRUNE_ACTION, "access_log", purpose="retention",
                         detail=detail)
        deleted = _delete_entries_up_to_bypassing_the_guard(plan.last_seq, using)
        if deleted != plan.count:  # cannot happen under the lock; never leave a lie
            raise RuntimeError(f"pruning deleted {deleted} entries, planned {plan.count}")
    return plan, summary
