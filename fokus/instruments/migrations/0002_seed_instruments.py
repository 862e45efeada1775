from django.db import migrations


def seed(apps, schema_editor):
    from fokus.instruments.definitions import seed as seed_definitions

    seed_definitions(apps)


class Migration(migrations.Migration):
    dependencies = [("instruments", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
