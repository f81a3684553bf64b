"""What the API refuses to read: request bodies over NARA_API_MAX_BODY_BYTES, duplicate JSON
keys, NaN and Infinity (LimitedJSONParser, used by the partner views, which also refuse a body
whose Content-Length is over the limit before reading it).

The rate limits live with the tokens they count (nara/api/tokens.py: TokenRateThrottle, calls
per token; and the failed-token limit per address); the errors are nara/api/problems.py's.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from .problems import PayloadTooLarge


def max_body_bytes():
    return int(getattr(settings, "NARA_API_MAX_BODY_BYTES", 64 * 1024))


def body_too_large():
    return PayloadTooLarge(
        _("The body is larger than %(limit)d bytes. Nothing was changed.")
        % {"limit": max_body_bytes()}
    )


def _no_duplicates(pairs):
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


class LimitedJSONParser(JSONParser):
    """Reads at most the limit (and one byte more, to notice a larger body)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise body_too_large()
        try:
            return json.loads(
                raw.decode("utf-8"),
                object_pairs_hook=_no_duplicates,
                parse_constant=_no_constant,
            )
        except (ValueError, UnicodeDecodeError):
            raise exceptions.ParseError(
                _("The body is not valid JSON (UTF-8, no repeated keys). Nothing was changed.")
            ) from None
