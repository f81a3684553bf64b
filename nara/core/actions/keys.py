"""Field-key rotation: every encrypted field re-encrypted under the current key, in batches.

Run after putting a new key first in NARA_FIELD_KEYS (old keys after it). Rows already under
the current key are skipped, so an interrupted run is simply started again. Each batch is one
transaction with its audit entry (counts only, never values).
"""

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import transaction

from nara.core import audit, crypto
from nara.lib.textfold import fold_address

from .booking import normalise_code

# Look-up hashes that can be recomputed from an encrypted field of the same row (the others,
# of codes and links never stored, stay findable while their old key is listed).
REHASH = {
    ("core.Person", "personnummer_hash"): ("personnummer_encrypted", lambda plain: plain),
    ("core.Person", "address_hash"): ("address_encrypted", fold_address),
    ("core.Appointment", "code_hash"): ("code_encrypted", lambda c: "code:" + normalise_code(c)),
}


class KeyRotationError(Exception):
    pass


@dataclass
class RotationReport:
    rows: dict = field(default_factory=dict)  # "core.Person" -> rows rewritten
    hashes_left: dict = field(default_factory=dict)  # rows whose old-key hashes stay as they are


def models_with_encrypted_fields():
    return [
        (model, crypto.encrypted_fields(model))
        for model in apps.get_models()
        if crypto.encrypted_fields(model)
    ]


def do_rotate_keys(*, actor="rotate_keys", batch_size=500):
    report = RotationReport()
    for model, names in models_with_encrypted_fields():
        label = model._meta.label
        rehash = {h: src for (m, h), src in REHASH.items() if m == label}
        report.rows[label] = _rotate_model(model, names, rehash, actor, batch_size)
        report.hashes_left[label] = _unrehashable_count(model)
    return report


def _rotate_model(model, names, rehash, actor, batch_size):
    rewritten, last_pk = 0, None
    while True:
        rows = model.objects.order_by("pk").only("pk", *names, *rehash)
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows[:batch_size])
        if not batch:
            return rewritten
        last_pk = batch[-1].pk
        rewritten += _rotate_batch(model, batch, names, rehash, actor)


def _rotate_batch(model, batch, names, rehash, actor):
    with transaction.atomic():
        count = 0
        for row in batch:
            changes = _row_changes(row, names, rehash)
            if changes:
                model.objects.filter(pk=row.pk).update(**changes)
                count += 1
        if count:
            audit.record(
                actor=actor,
                action="keys.rotate",
                changes={"rows": [None, count]},
                reason=model._meta.label,
            )
    return count


def _row_changes(row, names, rehash):
    try:
        changes = {
            n: crypto.reencrypt(v) for n in names if not crypto.is_current(v := getattr(row, n))
        }
        for hash_name, (source, plain_of) in rehash.items():
            plain = crypto.decrypt(getattr(row, source))
            new = crypto.lookup_hash(plain_of(plain)) if plain else ""
            if new and getattr(row, hash_name) != new:
                changes[hash_name] = new
    except InvalidToken:
        label = row._meta.label
        raise KeyRotationError(
            f"{label} {row.pk}: no key in NARA_FIELD_KEYS decrypts it; add the missing old key"
        ) from None
    return changes


def _unrehashable_count(model):
    """Rows of `model` with a code or link hash rotate_keys cannot recompute."""
    hash_fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.name.endswith("_hash") and (model._meta.label, f.name) not in REHASH
    ]
    return model.objects.count() if hash_fields else 0
