"""The task worker's queue (django-tasks-db) as the administration names it: in the
product's words and language, not the package's English "Tasks Database Backend"."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TaskQueueConfig(TasksAppConfig):
    verbose_name = _("Task queue")
