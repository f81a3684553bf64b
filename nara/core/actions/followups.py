"""Tasks for staff (uppföljning): by hand, or started by another action as a clock."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from nara.core import audit
from nara.core.models import FollowUpTask


def next_working_day(day):
    """The day itself, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def do_create_task(
    *, actor, center, title, due, assigned_to=None, person=None, contact=None, escalation=None
):
    with transaction.atomic():
        task = FollowUpTask.objects.create(
            center=center,
            title=title,
            due=next_working_day(due),
            assigned_to=assigned_to,
            created_by=actor,
            person=person,
            contact=contact,
            escalation=escalation,
        )
        audit.record(
            actor=actor,
            action="task.create",
            obj=task,
            person_id=getattr(person, "pk", None),
            changes={"due": [None, str(task.due)]},
        )
    return task


def do_complete_task(*, actor, task):
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        if task.done_at is None:
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])
            audit.record(actor=actor, action="task.done", obj=task, person_id=task.person_id)
    return task
