from django.db import models


class AuditEvent(models.Model):
    """One entry of the tamper-evident audit trail. Rows are only ever inserted.

    Each row stores the hash of the previous row, so changing, deleting, inserting or
    reordering rows breaks the chain (see nara.core.audit.verify_chain).
    """

    created_at = models.DateTimeField()
    # Plain ids, not foreign keys: deleting a user or a record must never touch the trail.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    center_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    flags = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["created_at"]),
        ]


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers chain in a strict order."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)
    # HMAC of (last_id, last_hash) with the audit key: see nara.core.audit.head_mac.
    mac = models.CharField(max_length=64, default="")
