"""The hash chain: every entry gets its sequence number and hash (fokus.audit.chain).

The entries written before the chain are chained here, in id order, with the
append-only trigger lifted for the moment it takes (the migrating role owns the
table). On SQLite a column change rebuilds the table and drops its triggers, so the
trigger of 0002 is made again at the end.
"""

from django.db import migrations, models

SQLITE_TRIGGER = """
CREATE TRIGGER audit_accesslogentry_no_update BEFORE UPDATE ON audit_accesslogentry
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"""


def chain_existing(apps, schema_editor):
    from fokus.audit.chain import GENESIS, canonical_detail, hash_of

    vendor = schema_editor.connection.vendor
    entry_model = apps.get_model("audit", "AccessLogEntry")
    db = schema_editor.connection.alias
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_accesslogentry_no_update")
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_accesslogentry "
                              "DISABLE TRIGGER audit_accesslogentry_no_update")
    prev = GENESIS
    batch = []
    for seq, entry in enumerate(entry_model.objects.using(db).order_by("id").iterator(), 1):
        entry.seq = seq
        entry.detail = canonical_detail(entry.detail)
        entry.hash = hash_of(entry, prev)
        prev = entry.hash
        batch.append(entry)
        if len(batch) >= 1000:
            entry_model.objects.using(db).bulk_update(batch, ["seq", "hash"])
            batch = []
    if batch:
        entry_model.objects.using(db).bulk_update(batch, ["seq", "hash"])
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_accesslogentry "
                              "ENABLE TRIGGER audit_accesslogentry_no_update")


def sqlite_trigger_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_accesslogentry_no_update")
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_login_actions'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslogentry',
            name='seq',
            field=models.BigIntegerField(editable=False, null=True, verbose_name='sequence number'),
        ),
        migrations.AddField(
            model_name='accesslogentry',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='hash'),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='accesslogentry',
            name='seq',
            field=models.BigIntegerField(editable=False, unique=True, verbose_name='sequence number'),
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='action',
            field=models.CharField(choices=[('read', 'Read'), ('list', 'List'), ('create', 'Create'), ('update', 'Update'), ('delete', 'Delete'), ('denied', 'Denied'), ('login', 'Login'), ('login_fail', 'Failed login'), ('locked_out', 'Login locked out'), ('logout', 'Logout'), ('prune', 'Log entries deleted (retention)')], max_length=10, verbose_name='action'),
        ),
        migrations.RunPython(sqlite_trigger_again, migrations.RunPython.noop),
    ]
