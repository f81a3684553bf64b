"""Shared by the browser tests: constants, what the tests know about the demo, small helpers."""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# Debian's Chromium; another build can be named in NARA_TEST_CHROMIUM.
CHROMIUM = Path(os.environ.get("NARA_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ["sv", "en", "ar", "so", "fa", "ti"]
RTL_LANGUAGES = {"ar", "fa"}
# Stockholm: a real place, far outside the fictional municipality.
OUTSIDE = {"latitude": 59.3293, "longitude": 18.0686}
HOST = "127.0.0.1"
TIMEOUT_MS = 10_000


def status_word(lang, status):
    """A referral status as the site shows it in a language (it has its own context)."""
    from django.utils import translation

    with translation.override(lang):
        return translation.pgettext("referral status", status)


def tr(lang, message, **values):
    """The text the site shows for a gettext message in a language (whatever the catalogue says)."""
    from django.utils import translation

    with translation.override(lang):
        text = translation.gettext(message)
    return text % values if values else text


@dataclass
class AreaFacts:
    code: str
    name: str
    postcodes: list
    centres: list  # [(slug, name, kind)], in the order the result page lists them
    lat: float  # a point inside the area
    lon: float


@dataclass
class CentreFacts:
    slug: str
    name: str
    kind: str
    phone: str
    email: str
    languages: list
    staff: list  # first names
    services_sv: list
    catchment: list  # area names
    exceptions_sv: dict  # date → reason, for the coming seven days


@dataclass
class DemoFacts:
    url: str
    quick_exit_url: str
    areas: list  # every area name
    centres: list  # CentreFacts, published, in list order
    social_area: AreaFacts  # first served by a social centre
    base_area: AreaFacts  # served by a base only
    partial_name: str  # matches several areas, none exactly
    partial_matches: list
    unknown_postcode: str  # well formed, but not in the municipality
    topics: list  # [(slug, sensitive)]
    topic_centres: dict  # slug → set of centre slugs that can help
    myths_sv: list  # [(myth, fact)]
    municipality: str

    def centre(self, slug):
        return next(c for c in self.centres if c.slug == slug)

    @property
    def host(self):
        return urlsplit(self.url).netloc


def db_call(function, *args):
    """Run a database function outside the Playwright event loop (in a fresh thread)."""

    def run():
        from django.db import connections

        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def route_quick_exit(page, site):
    """Serve the neutral quick-exit page locally, so the test never leaves the machine."""
    page.context.guard.allowed.add(site.quick_exit_url)
    page.route(
        site.quick_exit_url,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><html lang='sv'><title>Väder</title><h1>Väder</h1></html>",
        ),
    )


def public_pages(site, lang):
    """Every public page a resident can reach by GET: (label, path, expected HTTP status)."""
    area = site.social_area
    pages = [
        ("start page", f"/{lang}/", 200),
        ("result: social centre", f"/{lang}/find/?q={area.name}", 200),
        ("result: base only", f"/{lang}/find/?postcode={site.base_area.postcodes[0]}", 200),
        ("area choices", f"/{lang}/find/?q={site.partial_name}", 200),
        ("result: chosen area", f"/{lang}/find/?area={site.base_area.code}", 200),
        ("areas", f"/{lang}/areas/", 200),
        ("centres", f"/{lang}/centres/", 200),
    ]
    pages += [(f"centre {c.slug}", f"/{lang}/centres/{c.slug}/", 200) for c in site.centres]
    pages.append(("help topics", f"/{lang}/help/", 200))
    pages += [(f"topic {slug}", f"/{lang}/help/{slug}/", 200) for slug, _s in site.topics]
    # Booking a talk, being called back, asking anonymously (a social centre has bookable
    # times, a base has none), and using the code a resident got.
    social = next(c for c in site.centres if c.kind == "centre")
    base = next(c for c in site.centres if c.kind == "base")
    for centre in (social, base):
        pages += [
            (f"book {centre.slug}", f"/{lang}/centres/{centre.slug}/book/", 200),
            (f"call me {centre.slug}", f"/{lang}/centres/{centre.slug}/call-me/", 200),
            (f"ask {centre.slug}", f"/{lang}/centres/{centre.slug}/ask/", 200),
            (f"feedback {centre.slug}", f"/{lang}/centres/{centre.slug}/feedback/", 200),
        ]
    pages += [
        ("booking code", f"/{lang}/booking/", 200),
        ("booking: old link form", f"/{lang}/booking/not-a-real-token/", 200),
        ("answers", f"/{lang}/answers/", 200),
    ]
    pages += [
        ("myths and facts", f"/{lang}/myths-and-facts/", 200),
        ("statistics", f"/{lang}/statistics/", 200),
        (f"statistics: centre {social.slug}", f"/{lang}/statistics/centres/{social.slug}/", 200),
        ("statistics: area", f"/{lang}/statistics/areas/{area.code}/", 200),
        ("error: statistics for no year", f"/{lang}/statistics/?year=1800", 400),
        ("error: unknown postcode", f"/{lang}/find/?postcode={site.unknown_postcode}", 404),
        ("error: invalid postcode", f"/{lang}/find/?postcode=12ab", 400),
        ("error: empty search", f"/{lang}/find/?q=&postcode=", 400),
        ("error: unknown area name", f"/{lang}/find/?q=Ingenstansby", 404),
        ("error: unknown area code", f"/{lang}/find/?area=0000X000", 404),
        ("error: page not found", f"/{lang}/help/no-such-topic/", 404),
    ]
    return pages
