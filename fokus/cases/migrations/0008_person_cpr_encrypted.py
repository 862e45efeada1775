"""CPR numbers encrypted at rest (issue 11): the column widens to hold a Fernet token,
a keyed hash to find a person by CPR is added, and every clear number already stored
is encrypted and hashed. Needs the CPR keys (FOKUS_CPR_KEYS, FOKUS_CPR_LOOKUP_KEY; the
demo profile generates them). Reversible: going back decrypts the numbers again."""

import re

from django.db import migrations, models

import fokus.cases.cpr
from fokus.lib import crypto

_CLEAR = re.compile(r"\d{10}")
_BATCH = 500


def _rows(schema_editor, table):
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('id')}, {qn('cpr')} FROM {qn(table)} "  # noqa: S608
                       f"WHERE {qn('cpr')} <> '' ORDER BY {qn('id')}")
        return cursor.fetchall()


def _write(schema_editor, table, rows):
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH):
            cursor.executemany(
                f"UPDATE {qn(table)} SET {qn('cpr')} = %s, {qn('cpr_lookup')} = %s "  # noqa: S608
                f"WHERE {qn('id')} = %s", rows[start:start + _BATCH])


def encrypt_clear_numbers(apps, schema_editor):
    table = apps.get_model("cases", "Person")._meta.db_table
    rows = [(crypto.encrypt(cpr), crypto.lookup_hash(cpr), pk)
            for pk, cpr in _rows(schema_editor, table) if _CLEAR.fullmatch(cpr)]
    _write(schema_editor, table, rows)


def decrypt_numbers(apps, schema_editor):
    table = apps.get_model("cases", "Person")._meta.db_table
    rows = [(crypto.decrypt(token), "", pk)
            for pk, token in _rows(schema_editor, table) if not _CLEAR.fullmatch(token)]
    _write(schema_editor, table, rows)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_organisation_separation_of_duties"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="cpr_lookup",
            field=models.CharField(blank=True, db_default="", db_index=True, default="",
                                   editable=False, max_length=80),
        ),
        migrations.AlterField(
            model_name="person",
            name="cpr",
            field=fokus.cases.cpr.EncryptedCprField(blank=True, editable=False,
                                                    lookup_field="cpr_lookup", max_length=200,
                                                    verbose_name="CPR number"),
        ),
        migrations.RunPython(encrypt_clear_numbers, decrypt_numbers),
    ]
