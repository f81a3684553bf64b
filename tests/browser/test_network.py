"""Nothing leaves the municipality's server, and every page stays light for a phone on a weak
connection."""

from urllib.parse import urlsplit

import pytest

from .support import LANGUAGES

pytestmark = pytest.mark.browser

MAX_PAGE_BYTES = 100 * 1024


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_request_goes_to_another_host(site_crawl, nara_site, lang):
    crawl = site_crawl(lang)
    assert len(crawl.visits) > 40, "the walk through the site stopped early"
    foreign = sorted(
        {u for u in crawl.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
        - {u for u in crawl.requests if urlsplit(u).netloc == nara_site.host}
    )
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_is_under_100_kb(site_crawl, lang):
    heavy, weighed = [], 0
    for visit in site_crawl(lang).visits:
        if visit.status != visit.expected_status:
            continue  # reported by test_every_page_is_served_in_the_language
        kinds = {urlsplit(url).path.rsplit(".", 1)[-1] for url, _size in visit.weight}
        # The document itself and the site's style sheet and script were all counted.
        assert {"css", "js"} <= kinds, f"{visit.label}: only {visit.weight}"
        weighed += 1
        if visit.bytes > MAX_PAGE_BYTES:
            parts = ", ".join(f"{urlsplit(u).path} {s} B" for u, s in visit.weight)
            heavy.append(f"{visit.label} {visit.path}: {visit.bytes} B ({parts})")
    assert weighed and not heavy, "\n".join(heavy)


def test_static_files_are_compressed_and_cached(page, nara_site):
    """WhiteNoise serves the hashed style sheet and script compressed, cacheable for long."""
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/sv/")
    static = [r for r in responses if urlsplit(r.url).path.startswith("/static/")]
    assert {urlsplit(r.url).path.rsplit(".", 1)[-1] for r in static} == {"css", "js"}
    for response in static:
        headers = response.all_headers()
        assert response.status == 200
        assert headers.get("content-encoding") in ("gzip", "br"), (response.url, headers)
        assert "max-age" in headers.get("cache-control", ""), (response.url, headers)
    # The styles really apply: the header has the brand colour, not the browser default.
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert colour == "rgb(29, 91, 59)"


def test_security_headers(page):
    response = page.goto("/sv/")
    headers = response.all_headers()
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    # Nothing about which page a resident read may reach another site.
    assert headers["referrer-policy"] in ("no-referrer", "same-origin", "strict-origin")
