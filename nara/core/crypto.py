"""Encryption at rest for personnummer and free-text notes, and keyed lookup hashes."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _derive(purpose):
    secret = settings.NARA_FIELD_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def _fernet():
    keys = [base64.urlsafe_b64encode(_derive("field-encryption"))]
    keys += [base64.urlsafe_b64encode(_derive_old(k)) for k in settings.NARA_FIELD_KEYS_OLD]
    return MultiFernet([Fernet(k) for k in keys])


def _derive_old(secret):
    return hashlib.sha256(f"field-encryption:{secret}".encode()).digest()


def encrypt(text):
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token):
    return _fernet().decrypt(token.encode()).decode() if token else ""


def lookup_hash(text):
    """A keyed hash to find a record by personnummer without storing it in clear."""
    return hmac.new(_derive("lookup"), text.encode(), hashlib.sha256).hexdigest()


def audit_key():
    return _derive("audit-chain")
