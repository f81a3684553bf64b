"""The audit trail: every change of domain data is recorded here by the action that makes it."""

import contextvars
import hashlib
import hmac
import json
import logging
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .crypto import audit_key
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
anchor_log = logging.getLogger("nara.audit.anchor")
# The client address of the request being served, set by the workspace middleware.
current_client_address = contextvars.ContextVar("current_client_address", default=None)
MASKED = "•••"
# The actor of everything a resident does on the public site. Their events never carry the
# client address: the trail is append-only and kept for good, and the forms promise residents
# that their address is not stored.
RESIDENT = "resident"


def _canonical(event_fields):
    return json.dumps(event_fields, sort_keys=True, ensure_ascii=False, default=str)


def _event_hash(prev_hash, fields):
    # Keyed, so someone with only database access cannot forge a consistent chain.
    message = (prev_hash + _canonical(fields)).encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def _hashed_fields(event):
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "center_id": event.center_id,
        "person_id": event.person_id,
        "flags": event.flags,
        "changes": event.changes,
        "reason": event.reason,
        "client_address": event.client_address,
    }


def field_changes(before, after, personal=()):
    """Old → new for fields that differ; values of personal fields are masked."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            if name in personal:
                old, new = MASKED if old else old, MASKED if new else new
            changes[name] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def record(
    *,
    actor,
    action,
    obj=None,
    changes=None,
    reason="",
    client_address=None,
    center_id=None,
    person_id=None,
    flags=(),
):
    """Append one audit event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    head = _locked_head()
    event = AuditEvent(
        id=head.last_id + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=_actor_label(actor),
        action=action,
        object_type=obj.__class__.__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changes=changes or {},
        reason=reason,
        client_address=None
        if actor == RESIDENT
        else client_address or current_client_address.get(),
        center_id=center_id if center_id is not None else _center_of(obj),
        person_id=person_id,
        flags=sorted(flags),
        prev_hash=head.last_hash,
    )
    event.hash = _event_hash(event.prev_hash, _hashed_fields(event))
    event.save(force_insert=True)
    AuditHead.objects.filter(pk=head.pk).update(
        last_hash=event.hash, last_id=event.id, mac=head_mac(event.id, event.hash)
    )
    if event.id % settings.NARA_AUDIT_ANCHOR_EVERY == 0:
        transaction.on_commit(lambda: write_anchor(event.id, event.hash))
    return event


def head_mac(last_id, last_hash):
    """The head is signed too: moving it back over deleted entries needs the audit key."""
    return _mac(f"head:{last_id}:{last_hash}")


def _mac(text):
    return hmac.new(audit_key(), text.encode(), hashlib.sha256).hexdigest()


def ensure_head(using="default", **kwargs):
    """Create the chain head for an empty trail (after migrate, or a flushed test database).

    Never over existing entries: a head missing while entries exist is reported as a break.
    """
    heads, events = AuditHead.objects.using(using), AuditEvent.objects.using(using)
    if not heads.filter(pk=1).exists() and not events.exists():
        heads.create(pk=1, last_hash=GENESIS, last_id=0, mac=head_mac(0, GENESIS))


def _center_of(obj):
    if obj is None:
        return None
    if obj.__class__.__name__ == "Center":
        return obj.pk
    return getattr(obj, "center_id", None)


def _locked_head():
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # Created by migrate (ensure_head); gone means someone removed it. Writing on would start
        # a fresh chain that hides the removal, so refuse until an operator has looked.
        raise RuntimeError("the audit chain head is missing: run manage.py verify_audit")
    return head


def _actor_label(actor):
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def write_anchor(last_id, last_hash):
    """Append the signed head to the anchor outside the database (file and/or system log).

    The file should be append-only for the application (chattr +a, or a log host); verify_chain
    compares the chain with every anchored entry, so entries removed together with the head,
    or a whole database swapped for an older copy, are still found.
    """
    line = json.dumps(
        {"id": last_id, "hash": last_hash, "mac": _mac(f"anchor:{last_id}:{last_hash}")}
    )
    anchor_log.info("audit anchor %s", line)
    path = settings.NARA_AUDIT_ANCHOR_FILE
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
    except OSError as error:
        # The change is committed already: say so loudly, but do not fail the request.
        anchor_log.error("audit anchor not written to %s: %s", path, error)


def anchor_now():
    """Anchor the current head (manage.py anchor_audit, e.g. from a timer)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_id:
        write_anchor(head.last_id, head.last_hash)
    return head.last_id if head else 0


def read_anchors():
    """{entry id: hash} from the anchor file's correctly signed lines; others are ignored."""
    path = settings.NARA_AUDIT_ANCHOR_FILE
    anchors = {}
    if not path or not os.path.exists(path):
        return anchors
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            try:
                item = json.loads(line)
                last_id, last_hash = int(item["id"]), str(item["hash"])
                signed = hmac.compare_digest(
                    str(item["mac"]), _mac(f"anchor:{last_id}:{last_hash}")
                )
            except (ValueError, KeyError, TypeError):
                continue
            if signed:
                anchors[last_id] = last_hash
    return anchors


def verify_chain(batch_size=5000):
    """Walk the chain in id order. Returns (checked_count, first_broken_event_id or None, why)."""
    anchors = read_anchors()
    prev_hash, expected_id, checked = GENESIS, 1, 0
    events = AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size)
    for event in events:
        if event.id != expected_id:
            return checked, expected_id, f"entry {expected_id} is missing (next is {event.id})"
        if event.prev_hash != prev_hash:
            return checked, event.id, f"entry {event.id} does not follow entry {event.id - 1}"
        if _event_hash(prev_hash, _hashed_fields(event)) != event.hash:
            return checked, event.id, f"entry {event.id} was changed after it was written"
        if anchors.get(event.id, event.hash) != event.hash:
            return checked, event.id, f"entry {event.id} differs from the anchored copy"
        prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
    if anchors and max(anchors) > checked:
        return (
            checked,
            checked + 1,
            f"entries after {checked} were removed (anchored up to {max(anchors)})",
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return checked, checked + 1, "the chain head is missing"
    if not hmac.compare_digest(head.mac, head_mac(head.last_id, head.last_hash)):
        return checked, checked + 1, "the chain head was changed"
    if head.last_id != checked or head.last_hash != prev_hash:
        return checked, checked + 1, f"entries after {checked} were removed"
    return checked, None, ""
