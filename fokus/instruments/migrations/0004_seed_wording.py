from django.db import migrations


def seed(apps, schema_editor):
    from fokus.instruments.definitions import seed_wording

    seed_wording(apps)


class Migration(migrations.Migration):
    dependencies = [("instruments", "0003_wording")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
