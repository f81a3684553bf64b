import re

import pytest
from django.conf import settings

from nara.core.models import Center, MythFact
from nara.lib.topics import TOPICS

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def public_paths():
    paths = ["", "areas/", "centres/", "help/", "myths-and-facts/", "find/?q=a", "statistics/"]
    paths += [f"help/{slug}/" for slug, _t, _s in TOPICS]
    paths += [f"centres/{c.slug}/" for c in Center.objects.all()]
    paths += [f"statistics/centres/{c.slug}/" for c in Center.objects.filter(is_published=True)]
    return paths


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_in_every_language(demo, resident, lang):
    for path in public_paths():
        page = resident.get(f"/{lang}/{path}")
        assert page.status_code == 200, path
        html = page.content.decode()
        assert f'lang="{lang}"' in html
        assert ('dir="rtl"' in html) == (lang in ("ar", "fa")), path
        assert len(page.content) < 100_000, path
        # Nothing is loaded from another host (links to leave the site are fine).
        assert not re.search(r'(src="|<link[^>]*href=")(https?:)?//', html), path


def test_arabic_pages_are_translated(demo, resident):
    html = resident.get("/ar/").content.decode()
    assert "Find your social centre" not in html


def test_swedish_is_the_default_and_a_chosen_language_is_remembered(demo, resident):
    assert resident.get("/", HTTP_ACCEPT_LANGUAGE="").url == "/sv/"
    switch = resident.get("/language/so/", {"next": "/so/help/"})
    assert switch.status_code == 302 and switch.url == "/so/help/"
    assert resident.get("/").url == "/so/"


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(resident):
    assert resident.get("/language/ar/", {"next": "https://evil.example/"}).url == "/"
    assert resident.get("/language/xx/").status_code == 404


def test_quick_exit_only_on_sensitive_pages(demo, resident):
    assert "data-quick-exit-link" in resident.get("/sv/help/violence/").content.decode()
    assert "data-quick-exit-link" in resident.get("/sv/help/youth-crime/").content.decode()
    assert "data-quick-exit-link" not in resident.get("/sv/help/money/").content.decode()


def test_topic_page_links_to_centres_that_help(demo, resident):
    html = resident.get("/sv/help/parenting/").content.decode()
    for center in Center.objects.filter(services__topic="parenting").distinct():
        assert f"/sv/centres/{center.slug}/" in html


def test_myths_come_from_editable_content_in_each_language(demo, resident):
    assert "take children away" in resident.get("/en/myths-and-facts/").content.decode()
    myth = MythFact.objects.first()
    myth.is_published = False
    myth.save()
    assert "take children away" not in resident.get("/en/myths-and-facts/").content.decode()


def test_healthz(db, resident):
    assert resident.get("/healthz").content == b"ok"


def test_security_headers(demo, resident):
    page = resident.get("/sv/")
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["Referrer-Policy"] == "same-origin"
