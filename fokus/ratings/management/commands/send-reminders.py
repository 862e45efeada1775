"""fokus send-reminders: enqueue the reminders of unanswered rating links that are due
(fokus.ratings.tasks). For cron or the worker's schedule, e.g. every 15 minutes."""

from django.core.management.base import BaseCommand

from fokus.ratings.tasks import send_due_reminders


class Command(BaseCommand):
    help = ("Enqueue one reminder for each unanswered rating link whose organisation "
            "sends reminders and whose time has come (Organisation.rating_link_reminder_"
            "hours); erase the addresses no reminder needs any more.")

    def handle(self, *args, **options):
        n = send_due_reminders()
        self.stdout.write(f"{n} reminder(s) enqueued")
