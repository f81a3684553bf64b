from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from nara.core.models import Municipality


def site(request):
    current = get_language()
    return {
        "municipality": Municipality.objects.order_by("id").first(),
        "language_links": language_links(request.get_full_path()),
        "quick_exit_url": settings.NARA_QUICK_EXIT_URL,
        "language_bidi": get_language_info(current)["bidi"] if current else False,
    }


def language_links(path):
    """The same page in each language. A view whose page has a better address passes its own."""
    current = get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": translate_url(path, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
