"""A token that changes whenever anything the public pages show changes.

The public site keeps rendered pages per process (nara.public.page_cache) under this token. It
lives in the database and is changed in the same transaction as the content, so a page rendered
from old content can never be stored under the new token, and every process sees the change at
the moment it is committed.
"""

import time
import uuid

from django.conf import settings
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


# The token as this process last read it, reused for NARA_CONTENT_VERSION_SECONDS: a change
# made here is seen at once (bump() forgets it); one made by another worker or host, within
# that time.
_seen = {"token": None, "until": 0.0}


def current():
    now = time.monotonic()
    if _seen["token"] is not None and now < _seen["until"]:
        return _seen["token"]
    token = _read()
    _seen.update(token=token, until=now + settings.NARA_CONTENT_VERSION_SECONDS)
    return token


def forget():
    _seen["token"] = None


def _read():
    with connection.cursor() as cursor:  # plain SQL: the ORM would cost more than a cached page
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
    forget()
    if not ContentVersion.objects.filter(pk=1).update(token=_new()):
        _read()
    # Forget again after commit: a page read in this process before the commit must not keep
    # the old token for the rest of its time.
    transaction.on_commit(forget)


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
