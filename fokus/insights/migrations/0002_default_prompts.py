from django.db import migrations


def seed_prompts(apps, schema_editor):
    from fokus.insights.defaults import DEFAULT_PROMPTS, default_prompt

    prompt = apps.get_model("insights", "ConversationPrompt")
    for kind in DEFAULT_PROMPTS:
        if kind == "faces_sad":  # added by 0003, once the kind is known
            continue
        for language in ("da", "en"):
            prompt.objects.get_or_create(kind=kind, language=language,
                                         defaults={"text": default_prompt(kind, language)})


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(seed_prompts, migrations.RunPython.noop)]
