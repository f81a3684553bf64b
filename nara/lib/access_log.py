"""gunicorn access log without bearer secrets (`--logger-class nara.lib.access_log.Logger`).

Private booking links carry their token in the URL fragment, which never reaches the server.
Links saved before that had it in the path (/<lang>/booking/<token>/); a request for one is
still written to the log, so that path segment is replaced before the line is formatted.
The Authorization header (partner API tokens) and cookies are never written either.
"""

import re

from gunicorn.glogging import Logger as GunicornLogger

OLD_BOOKING_LINK = re.compile(r"(/booking/)(?!manage/)[^/?\s]+")
REDACTED = r"\1[redacted]"
# Request headers and environ entries ({authorization}i, {http_authorization}e) never logged.
SECRET_HEADERS = ("authorization", "cookie", "x-nara-signature")


def redact(text):
    return OLD_BOOKING_LINK.sub(REDACTED, text)


class Logger(GunicornLogger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("U", "r", "f"):  # path, request line, referer
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        # Request headers are atoms too ({authorization}i): a partner API token never reaches
        # the log, whatever access_log_format asks for.
        for name in atoms:
            if name.startswith("{") and any(secret in name for secret in SECRET_HEADERS):
                atoms[name] = "[redacted]"
        return atoms
