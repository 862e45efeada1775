"""Whatever a caller puts in an entry (text in any script, nested JSON details, big and
small numbers) is chained as the database gives it back, so the log verifies; on SQLite
and PostgreSQL (hypothesis)."""

from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fokus.audit import chain
from fokus.audit.actions import record
from fokus.audit.models import AccessLogEntry

# Text a database keeps: no NUL (PostgreSQL refuses it), no lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=30)
scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | text
           | st.floats(allow_nan=False, allow_infinity=False))
details = st.dictionaries(text, st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=10), max_size=5)
ids = st.none() | st.integers(1, 2**62)


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(username=text, purpose=text, object_id=text, detail=details, case_id=ids,
       person_id=ids)
def test_any_entry_verifies_as_stored(db, username, purpose, object_id, detail, case_id,
                                      person_id):
    with transaction.atomic():
        entry = record(None, "read", "case", object_id, case_id=case_id, person_id=person_id,
                       purpose=purpose, detail=detail)
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    prev = (AccessLogEntry.objects.filter(seq=stored.seq - 1).values_list("hash", flat=True)
            .first() or chain.GENESIS)
    assert stored.hash == chain.hash_of(stored, prev)
    result = chain.verify()
    assert result.ok, result.problem
