"""Message gateways for reminders: console files, SMTP e-mail, an HTTP SMS API. No Django.

Every gateway has one method, ``send(message) -> provider_id``. A gateway either returns (the
provider took the message) or raises ``GatewayError``, whose text is safe to store and log: it
never contains the recipient, the text or a provider's free-text answer, only codes and kinds.

Sending is idempotent by ``Message.idempotency_key`` as far as the channel allows:

- console: one file per key; writing the same key again writes nothing;
- SMS: the key goes in an ``Idempotency-Key`` header, so a provider that honours it delivers a
  resent request once (the gateway's own retries after a timeout rely on that too);
- e-mail: the key becomes the Message-ID, so a resend is recognisably the same message
  (mail systems and clients collapse duplicates by Message-ID; SMTP itself cannot promise more).
"""

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import smtplib
import ssl
import tempfile
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path

import requests

__all__ = [
    "ConsoleGateway",
    "GatewayError",
    "HttpSmsGateway",
    "Message",
    "SmtpGateway",
    "build_ics",
    "normalise_phone",
]


@dataclass(frozen=True)
class Message:
    to: str  # E.164 phone number or e-mail address
    subject: str  # e-mail only
    body: str  # plain text
    language: str  # BCP 47 code of the text, e.g. "sv", "ar"
    idempotency_key: str  # stable across resends of the same message
    ics: str | None = None  # an iCalendar document to attach (e-mail only)


class GatewayError(Exception):
    """The message was not (known to be) accepted.

    ``permanent`` means resending the same message cannot help (an invalid number, a refused
    recipient); the caller should give up rather than retry."""

    def __init__(self, safe_message, *, permanent=False):
        self.safe_message = str(safe_message)[:200]
        self.permanent = permanent
        super().__init__(self.safe_message)


# Phone numbers ----------------------------------------------------------------------------

# Swedish mobile series (PTS number plan): 070, 072, 073, 076, 079. 071 is for machines,
# 074 for paging, 075 for personal numbers; none of those receive reminders.
MOBILE_NATIONAL = re.compile(r"7[02369]\d{7}")


def normalise_phone(text):
    """A Swedish mobile number in E.164: '070-123 45 67', '+46 (0)70 123 45 67', '0046701234567'
    → '+46701234567'. Raises ValueError (without echoing the input) for anything else."""
    compact = re.sub(r"[\s\-./\u00a0]", "", text or "").replace("(0)", "")
    compact = compact.replace("(", "").replace(")", "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("0"):
        compact = "+46" + compact[1:]
    if not re.fullmatch(r"\+\d{7,15}", compact):
        raise ValueError("Not a phone number. Write a Swedish mobile number, e.g. 070-123 45 67.")
    if not compact.startswith("+46"):
        raise ValueError("Only Swedish mobile numbers (+46) can get reminders.")
    national = compact[3:]
    if national.startswith("0"):  # "+46 070 …", a common way of writing it
        national = national[1:]
    if not MOBILE_NATIONAL.fullmatch(national):
        raise ValueError(
            "Not a Swedish mobile number. Mobile numbers start with 070, 072, 073, 076 or 079."
        )
    return "+46" + national


# Calendar attachment ----------------------------------------------------------------------


def _ics_escape(text):
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line):
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode()
        limit = 75 if not out else 74  # continuation lines start with one space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _ics_time(moment):
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def build_ics(*, uid, starts_at, ends_at, summary, location="", description="", stamp=None):
    """A one-event iCalendar document (METHOD:PUBLISH) with times in UTC."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Booking//Reminder//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_ics_escape(uid)}",
        # Later revisions of the same visit (e.g. a new time) replace the earlier one.
        f"SEQUENCE:{int(stamp.timestamp()) // 60}",
        f"DTSTAMP:{_ics_time(stamp)}",
        f"DTSTART:{_ics_time(starts_at)}",
        f"DTEND:{_ics_time(ends_at)}",
        f"SUMMARY:{_ics_escape(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{_ics_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_ics_escape(description)}")
    lines += ["TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"


# Gateways ---------------------------------------------------------------------------------


def _key_token(key):
    """The idempotency key as a safe file/Message-ID token."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", key or ""):
        return key
    return hashlib.sha256((key or "").encode()).hexdigest()


class ConsoleGateway:
    """Writes each message as one JSON file into ``directory`` (the demo's "outbox").

    The file is named after the idempotency key and created atomically, so a second send of the
    same key — even from another process at the same moment — writes nothing new. The files
    hold recipients in clear: a demo and development tool, not for production data."""

    def __init__(self, directory, *, channel="message"):
        self.directory = Path(directory)
        self.channel = channel

    def send(self, message):
        token = _key_token(message.idempotency_key)
        provider_id = f"console-{token}"
        path = self.directory / f"{token}.json"
        if path.exists():
            return provider_id
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            payload = {
                "channel": self.channel,
                "provider_id": provider_id,
                "written_at": dt.datetime.now(dt.UTC).isoformat(),
                **asdict(message),
            }
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".part-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(payload, handle, ensure_ascii=False, indent=2)
                with contextlib.suppress(FileExistsError):  # the key was written meanwhile
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        except OSError as exc:
            raise GatewayError(f"could not write the message file ({type(exc).__name__})") from None
        return provider_id


class SmtpGateway:
    """E-mail over SMTP: a plain-text body and, when given, the visit as an .ics attachment
    (text/calendar; method=PUBLISH). The Message-ID is derived from the idempotency key."""

    def __init__(
        self,
        *,
        host,
        port=25,
        sender,
        username="",
        password="",
        starttls=False,
        use_ssl=False,
        timeout=20,
        ssl_context=None,
    ):
        self.host, self.port = host, int(port)
        self.sender = sender
        self.username, self.password = username, password
        self.starttls, self.use_ssl = starttls, use_ssl
        self.timeout = timeout
        self.ssl_context = ssl_context

    @property
    def envelope_sender(self):
        return parseaddr(self.sender)[1] or self.sender

    def message_id(self, key):
        domain = self.envelope_sender.rpartition("@")[2] or "localhost"
        return f"<{_key_token(key)}@{domain}>"

    def build(self, message):
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = self.message_id(message.idempotency_key)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        mail.set_content(message.body)
        if message.ics:
            mail.add_attachment(
                message.ics,
                subtype="calendar",
                filename="booking.ics",
                params={"method": "PUBLISH"},
            )
        # Last: set_content/add_attachment move Content-* headers into the parts.
        mail["Content-Language"] = message.language
        return mail

    def _connect(self):
        context = self.ssl_context or ssl.create_default_context()
        if self.use_ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp

    def send(self, message):
        mail = self.build(message)
        smtp = None
        try:
            smtp = self._connect()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail, from_addr=self.envelope_sender, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            code = codes[0] if codes else 0
            raise GatewayError(
                f"SMTP server refused the recipient ({code})", permanent=500 <= code < 600
            ) from None
        except smtplib.SMTPDataError as exc:
            raise GatewayError(
                f"SMTP server refused the message ({exc.smtp_code})",
                permanent=500 <= exc.smtp_code < 600,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise GatewayError(f"SMTP server answered {exc.smtp_code}") from None
        except smtplib.SMTPException as exc:
            raise GatewayError(f"SMTP error ({type(exc).__name__})") from None
        except OSError as exc:  # refused, unreachable, timed out, TLS failure
            raise GatewayError(f"SMTP server unreachable ({type(exc).__name__})") from None
        finally:
            if smtp is not None:
                # The message is accepted once DATA is answered; a failing QUIT changes nothing.
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        return mail["Message-ID"]


class HttpSmsGateway:
    """An SMS API shaped like 46elks': POST form-encoded ``from``, ``to``, ``message`` with HTTP
    Basic auth; the answer is JSON with the message ``id``.

    Each request carries the idempotency key in an ``Idempotency-Key`` header. Connection errors,
    timeouts, 5xx and 429 are retried ``retries`` times with exponential backoff (honouring a short
    Retry-After); other 4xx are not retried. Worst-case duration:
    (retries + 1) × (connect_timeout + read_timeout) + the backoff sleeps."""

    def __init__(
        self,
        *,
        url,
        username,
        password,
        sender,
        connect_timeout=5.0,
        read_timeout=15.0,
        retries=2,
        backoff=1.0,
        max_retry_after=30.0,
        session=None,
        sleep=time.sleep,
    ):
        self.url = url
        self.auth = (username, password)
        self.sender = sender
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.session = session or requests.Session()
        self.session.trust_env = True  # honour HTTPS_PROXY in closed municipal networks
        self.sleep = sleep

    def worst_case_seconds(self):
        pauses = sum(max(self.backoff * 2**n, self.max_retry_after) for n in range(self.retries))
        return (self.retries + 1) * sum(self.timeout) + pauses

    def send(self, message):
        if not self.url:
            raise GatewayError("SMS gateway has no URL configured")
        try:
            to = normalise_phone(message.to)
        except ValueError:
            raise GatewayError("not a Swedish mobile number", permanent=True) from None
        data = {"from": self.sender, "to": to, "message": message.body}
        headers = {"Idempotency-Key": message.idempotency_key, "Accept": "application/json"}
        problem = "SMS provider not tried"
        for attempt in range(self.retries + 1):
            pause = self.backoff * 2**attempt
            try:
                response = self.session.post(
                    self.url,
                    data=data,
                    auth=self.auth,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout as exc:
                problem = f"SMS provider did not answer in time ({type(exc).__name__})"
            except requests.ConnectionError as exc:
                problem = f"SMS provider unreachable ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise GatewayError(f"SMS request failed ({type(exc).__name__})") from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return self._provider_id(response, message)
                if status != 429 and status < 500:
                    raise GatewayError(
                        f"SMS provider refused the message (HTTP {status})",
                        permanent=status not in (401, 403, 407),  # credentials: fixable
                    )
                problem = f"SMS provider answered HTTP {status}"
                pause = max(pause, self._retry_after(response))
            if attempt < self.retries:
                self.sleep(pause)
        raise GatewayError(problem)

    def _retry_after(self, response):
        try:
            seconds = float(response.headers.get("Retry-After", "0"))
        except ValueError:
            return 0.0
        return min(max(seconds, 0.0), self.max_retry_after)

    @staticmethod
    def _provider_id(response, message):
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("id"):
            return str(answer["id"])[:100]
        return f"sms-{_key_token(message.idempotency_key)}"
