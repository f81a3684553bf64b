from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from nara.core.models import Municipality


def site(request):
    current = get_language()
    return {
        "municipality": Municipality.objects.order_by("id").first(),
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": translate_url(request.get_full_path(), code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ],
        "quick_exit_url": settings.NARA_QUICK_EXIT_URL,
        "language_bidi": get_language_info(current)["bidi"] if current else False,
    }
