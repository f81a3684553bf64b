"""gunicorn settings for Nära, read from the working directory (or `--config` this file).

Access log lines carry the path without the query string: a query may hold a search term or a
booking code, which must not end up in a log file.
"""

import gunicorn.http.wsgi

wsgi_app = "nara.wsgi:application"
# Bearer tokens of old private booking links are blanked out of the access log.
logger_class = "nara.lib.access_log.Logger"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# gunicorn has no setting to drop its `Server: gunicorn` header (27.0 included): leave it out,
# so the response does not name the software serving it.
_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_without_server(response):
    return [h for h in _default_headers(response) if not h.lower().startswith("server:")]


gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server

# Managed by systemd (signals), not by gunicornc: no control socket in the user's home, where
# several instances on one machine would take each other's place.
control_socket_disable = True
