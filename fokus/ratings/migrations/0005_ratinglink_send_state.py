"""Sending rating links by the task worker (issue 12): the delivery state of each link.
Links made before were sent in the request: they are "sent" (at their creation)."""

from django.db import migrations, models
from django.db.models import F


def earlier_links_were_sent(apps, schema_editor):
    RatingLink = apps.get_model("ratings", "RatingLink")
    RatingLink.objects.update(send_state="sent", sent_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("ratings", "0004_ratinglink_reminder_token_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="ratinglink",
            name="send_state",
            field=models.CharField(choices=[("pending", "waiting to be sent"), ("sent", "sent"),
                                            ("failed", "could not be sent")],
                                   default="pending", max_length=10, verbose_name="sending"),
        ),
        migrations.AddField(
            model_name="ratinglink",
            name="send_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="ratinglink",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="ratinglink",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent"),
        ),
        migrations.AddField(
            model_name="ratinglink",
            name="send_address",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(earlier_links_were_sent, migrations.RunPython.noop),
    ]
