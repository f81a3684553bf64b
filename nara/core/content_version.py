"""A token that changes whenever anything the public pages show changes.

The public site keeps rendered pages per process (nara.public.page_cache) under this token. It
lives in the database and is changed in the same transaction as the content, so a page rendered
from old content can never be stored under the new token, and every process sees the change at
the moment it is committed.
"""

import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import (
    Area,
    AreaIndicator,
    CatchmentMembership,
    Center,
    ContentVersion,
    Municipality,
    MythFact,
    PostcodeArea,
    Schedule,
    ScheduleException,
    Service,
    StaffMember,
)

PUBLIC_CONTENT = (
    Municipality,
    Area,
    AreaIndicator,
    PostcodeArea,
    Center,
    CatchmentMembership,
    Schedule,
    ScheduleException,
    StaffMember,
    Service,
    MythFact,
)
PUBLIC_RELATIONS = (StaffMember.centers.through, Service.centers.through)


def current():
    # Read on every shared page view, so plain SQL: the ORM would cost more than the page.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {ContentVersion._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # A fresh database (or test run) starts from a random token, never from one used before.
    try:
        with transaction.atomic():
            return ContentVersion.objects.get_or_create(pk=1, defaults={"token": _new()})[0].token
    except IntegrityError:
        return ContentVersion.objects.get(pk=1).token


def bump():
    """Call inside the transaction of a change the signals do not see (bulk_create, update())."""
    if not ContentVersion.objects.filter(pk=1).update(token=_new()):
        current()


def _new():
    return uuid.uuid4().hex


def _changed(sender, **kwargs):
    if kwargs.get("raw") or kwargs.get("action", "post_").startswith("pre_"):
        return
    bump()


def connect_signals():
    for model in PUBLIC_CONTENT:
        post_save.connect(_changed, sender=model, dispatch_uid=f"content-version-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"content-version-del-{model}")
    for through in PUBLIC_RELATIONS:
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"content-version-m2m-{through}")
