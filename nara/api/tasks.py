"""The partner API's background work on the database queue: webhook deliveries (ids only)."""

from django.db.models import Q
from django_tasks import task
from django_tasks.base import TaskResultStatus


@task()
def deliver_webhook(delivery_id):
    """Post one notification, exactly once however often this runs (nara/api/webhooks.py)."""
    from . import webhooks

    return webhooks.deliver(delivery_id)


def enqueue_delivery(delivery_id, *, run_after):
    return deliver_webhook.using(run_after=run_after).enqueue(delivery_id=delivery_id)


def deliveries_with_live_task(delivery_ids, *, started_after):
    """Which of these deliveries have a task waiting, or one started after `started_after`."""
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        task_path=deliver_webhook.module_path,
        args_kwargs__kwargs__delivery_id__in=list(delivery_ids),
    ).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gt=started_after)
    )
    return {
        kwargs["kwargs"]["delivery_id"] for kwargs in live.values_list("args_kwargs", flat=True)
    }
