"""Background tasks on the database queue (django-tasks with django-tasks-db).

Run them with ``manage.py run_worker``. Tasks carry ids only, never personal data: the queue
table is readable by whoever reads the database and keeps finished results until pruned.
"""

from django.db import transaction
from django.db.models import Q
from django_tasks import task
from django_tasks.base import TaskResultStatus


@task()
def send_reminder(reminder_id):
    """Send one reminder, exactly once however often this task runs (see core/reminders.py)."""
    from nara.core import reminders

    return reminders.deliver(reminder_id)


@task()
def recover_reminders():
    """Re-enqueue reminders whose worker died or whose task was lost."""
    from nara.core import reminders

    return reminders.recover_stale_reminders()


def enqueue_reminder(reminder_id, *, run_after):
    return send_reminder.using(run_after=run_after).enqueue(reminder_id=reminder_id)


def enqueue_after_commit(pairs):
    """Enqueue (reminder_id, run_after) pairs once the current transaction commits.

    ``robust``: a failing enqueue is logged, not raised into a request that has already
    committed; ``recover_stale_reminders`` enqueues the reminder later instead."""
    pairs = list(pairs)
    if not pairs:
        return

    def enqueue_all():
        for reminder_id, run_after in pairs:
            enqueue_reminder(reminder_id, run_after=run_after)

    transaction.on_commit(enqueue_all, robust=True)


def reminders_with_live_task(reminder_ids, *, started_after):
    """Which of these reminders have a send task waiting, or one started after `started_after`
    (older running tasks belong to workers that died: their lease has run out)."""
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        task_path=send_reminder.module_path,
        args_kwargs__kwargs__reminder_id__in=list(reminder_ids),
    ).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gt=started_after)
    )
    return {
        args_kwargs["kwargs"]["reminder_id"]
        for args_kwargs in live.values_list("args_kwargs", flat=True)
    }
