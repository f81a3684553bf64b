"""HTML to PDF with WeasyPrint, offline: the only resources it may load are the project's own
static files (read from disk, never over HTTP) and `data:` URLs; anything else is refused, so a
rendered page can never make the server fetch from the network. Fonts come from the system
(fontconfig: DejaVu on Debian); the stylesheets name them.

WeasyPrint is imported only when a PDF is made (it takes a second to import)."""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage


def static_file(path):
    """The file on disk behind a static path (e.g. "insights/report.css"), or None: the
    collected (and hashed) copy in production, the app's own copy in development."""
    try:
        collected = Path(staticfiles_storage.path(path))
    except NotImplementedError:  # a storage without local files
        collected = None
    if collected is not None and collected.is_file():
        return collected
    found = finders.find(path)
    return Path(found) if found else None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        """Serves /static/… from disk and data: URLs; refuses every other URL."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = unquote(urlsplit(url).path)
            prefix = settings.STATIC_URL
            if not path.startswith(prefix) or ".." in path.split("/"):
                raise ValueError(f"not a local static file: {url[:200]}")
            found = static_file(path[len(prefix) :])
            if found is None:
                raise ValueError(f"no such static file: {path[:200]}")
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, found.read_bytes(), headers={"Content-Type": content_type}
            )

    return LocalOnlyFetcher


def document(html, *, base_url):
    """The laid-out WeasyPrint document (its `.pages` can be counted) for `html`; `base_url`
    resolves relative links such as /static/… (the request's own site)."""
    from weasyprint import HTML

    fetcher = _fetcher_class()(allowed_protocols=("http", "https", "data"))
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()


def to_pdf(html, *, base_url):
    return document(html, base_url=base_url).write_pdf()
