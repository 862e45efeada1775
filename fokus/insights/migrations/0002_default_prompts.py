from django.db import migrations


def seed_prompts(apps, schema_editor):
    from fokus.insights.defaults import DEFAULT_PROMPTS

    prompt = apps.get_model("insights", "ConversationPrompt")
    for kind, texts in DEFAULT_PROMPTS.items():
        if kind == "faces_sad":  # added by 0003, once the kind is known
            continue
        for language, text in texts.items():
            prompt.objects.get_or_create(kind=kind, language=language, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(seed_prompts, migrations.RunPython.noop)]
