"""HSDS identifiers: UUIDs that are stable, unique per installation, and lead back to the row.

HSDS wants a UUID for every object. Ours are RFC 9562 version-8 UUIDs: 74 bits from a hash of
(NARA_HSDS_ID_SEED, object kind), the low 48 bits the row's key. The same row keeps its id for
good (nothing is stored), two installations with different seeds never share one, and a
request's id is turned back into a primary key without a lookup table.
"""

import functools
import hashlib
import uuid

from django.conf import settings

KEY_BITS = 48
KEY_MASK = (1 << KEY_BITS) - 1
_VERSION_MASK = 0xF << 76
_VARIANT_MASK = 0x3 << 62


@functools.cache
def _prefix(seed, kind):
    high = int.from_bytes(hashlib.sha256(f"{seed}:{kind}".encode()).digest()[:10]) << KEY_BITS
    return (high & ~_VERSION_MASK & ~_VARIANT_MASK) | (8 << 76) | (0x2 << 62)


def hsds_id(kind, key):
    return str(uuid.UUID(int=_prefix(settings.NARA_HSDS_ID_SEED, kind) | (int(key) & KEY_MASK)))


def key_of(kind, value):
    """The row key inside an id of this kind, or None for anything else."""
    try:
        number = uuid.UUID(str(value)).int
    except (ValueError, TypeError, AttributeError):
        return None
    if number & ~KEY_MASK != _prefix(settings.NARA_HSDS_ID_SEED, kind):
        return None
    return number & KEY_MASK


def text_key(text):
    """A 48-bit key for an object named by text (a help topic's slug)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6])


def is_uuid(value):
    try:
        uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return False
    return True
