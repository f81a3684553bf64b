"""The API's language: from the Accept-Language header only (default Swedish).

The site's language cookie is ignored on purpose, so that an API response depends only on its
URL and this header (`Vary: Accept-Language`) and shared caches may keep it.
"""

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header


def api_language(request):
    cached = getattr(request, "_nara_api_language", None)
    if cached:
        return cached
    language = settings.LANGUAGE_CODE
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            language = get_supported_language_variant(code)
            break
        except LookupError:
            continue
    request._nara_api_language = language
    return language
