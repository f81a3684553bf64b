"""A token that changes whenever anything the public pages show changes.

The public site keeps rendered pages per process (nara.public.page_cache) under this token. It
has two parts:

- a random token in one database row, replaced in a short transaction of its own right after a
  change to public content commits. Pages are always keyed before they read content, so a page
  rendered from old content is never stored under the new token. Replacing the row only after
  the commit keeps its lock out of the content transaction, which already holds the audit
  head's lock: taking both in two orders would deadlock on PostgreSQL.
- a counter in this process, raised the moment content changes here, so the worker that made a
  change (and a test inside one transaction) sees it at once.

Other workers and hosts read the row again after NARA_CONTENT_VERSION_SECONDS at most.
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


# What this process last read from the database, and until when it reuses it. "epoch" counts
# forget() calls: a read that overlapped one is not kept.
_seen = {"token": None, "until": 0.0, "epoch": 0}
_local = {"changes": 0}
_clock = time.monotonic


def current():
    return f"{_database_token()}.{_local['changes']}"


def _database_token():
    now, epoch = _clock(), _seen["epoch"]
    if _seen["token"] is not None and now < _seen["until"]:
        return _seen["token"]
    token = _read()
    if _seen["epoch"] == epoch:
        _seen.update(token=token, until=now + settings.NARA_CONTENT_VERSION_SECONDS)
    return token


def forget():
    _seen["epoch"] += 1
    _seen["token"] = None


def _read():
    with connection.cursor() as cursor:  # plain SQL: the ORM would cost more than a cached page
        cursor.execute(f"SELECT token FROM {ContentVersion._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # A fresh database starts from a random token, never from one used before.
    try:
        with transaction.atomic():
            return ContentVersion.objects.get_or_create(pk=1, defaults={"token": _new()})[0].token
    except IntegrityError:
        return ContentVersion.objects.get(pk=1).token


def bump():
    """Public content changed in this transaction. Signals call this; so must code that changes
    public content without them (bulk_create, QuerySet.update(), raw SQL)."""
    _local["changes"] += 1
    forget()
    if not _replacement_pending():
        transaction.on_commit(_replace_token, robust=True)


def _replacement_pending():
    # One replacement per transaction, however many rows an import saves. Django drops the
    # callback again if the savepoint it was registered in rolls back.
    return any(entry[1] is _replace_token for entry in connection.run_on_commit)


def _replace_token():
    with transaction.atomic():
        if not ContentVersion.objects.filter(pk=1).update(token=_new()):
            _read()
    forget()


def _new():
    return uuid.uuid4().hex


def _changed(sender, **kwargs):
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    bump()


def connect_signals():
    for model in PUBLIC_CONTENT:
        post_save.connect(_changed, sender=model, dispatch_uid=f"content-version-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"content-version-del-{model}")
    for through in PUBLIC_RELATIONS:
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"content-version-m2m-{through}")
