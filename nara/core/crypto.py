"""Encryption at rest for personnummer, contact details and free text, and keyed lookup hashes.

Keys come from settings.NARA_FIELD_KEYS: the first key encrypts and makes new lookup hashes,
every key listed decrypts and finds, so keys can be rotated (manage.py rotate_keys) without
downtime. The audit chain has its own key, settings.NARA_AUDIT_KEY.

Convention: an encrypted value lives in a text field named `<name>_encrypted`, written with
encrypt() and read with decrypt(); rotate_keys finds every such field of every model by that name.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

ENCRYPTED_SUFFIX = "_encrypted"


def _derive(purpose, secret):
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


@lru_cache(maxsize=8)
def _fernets(keys):
    return [Fernet(base64.urlsafe_b64encode(_derive("field-encryption", k))) for k in keys]


def _keys():
    return tuple(settings.NARA_FIELD_KEYS)


def _fernet():
    return MultiFernet(_fernets(_keys()))


def encrypt(text):
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token):
    return _fernet().decrypt(token.encode()).decode() if token else ""


def is_current(token):
    """True when `token` is empty or already encrypted with the first (current) key."""
    if not token:
        return True
    try:
        _fernets(_keys())[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token):
    """The same plaintext encrypted with the current key (decrypting with any listed key)."""
    return _fernet().rotate(token.encode()).decode() if token else ""


def lookup_hash(text):
    """A keyed hash to find a record by personnummer or code without storing it in clear."""
    return lookup_hashes(text)[0]


def lookup_hashes(text):
    """The lookup hash under every listed key, current first: search with `field__in=`."""
    return [
        hmac.new(_derive("lookup", k), text.encode(), hashlib.sha256).hexdigest() for k in _keys()
    ]


def encrypted_fields(model):
    """The names of `model`'s encrypted fields (by the `_encrypted` naming convention)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name.endswith(ENCRYPTED_SUFFIX) and f.get_internal_type() in ("TextField", "CharField")
    ]


def audit_key():
    return _derive("audit-chain", settings.NARA_AUDIT_KEY)


def signing_key(purpose):
    """A key for signing one kind of record (e.g. "journal"), derived from the audit key.

    Separate per purpose, so a signature made for one kind of record never verifies another.
    """
    return _derive(f"signing:{purpose}", settings.NARA_AUDIT_KEY)
