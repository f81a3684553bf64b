"""The journal: notes about a person or household, encrypted, signed, corrected only by appending.

A note is never changed or deleted here (only the retention purge removes notes). A correction
is a new note that points at the one it corrects; a corrected note cannot be corrected again,
so a chain always grows from its newest note.
"""

import datetime as dt
import hashlib
import hmac
import json

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.models import JournalNote

MAX_LENGTH = 10000


class JournalError(ValueError):
    """The note cannot be written; the message says why. Nothing was saved."""


def signature(note, text):
    """HMAC over who wrote what, when, about whom: any change afterwards shows."""
    created = note.created_at.astimezone(dt.UTC).isoformat()
    signed = {
        "author": note.author_id,
        "center": note.center_id,
        "person": note.person_id,
        "household": note.household_id,
        "created_at": created,
        "corrects": note.corrects_id,
        "reason": note.correction_reason,
        "text": text,
    }
    message = json.dumps(signed, sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(crypto.signing_key("journal"), message, hashlib.sha256).hexdigest()


def signature_matches(note):
    try:
        text = note.text
    except Exception:  # undecryptable counts as tampered: the page warns, it does not fail
        return False
    return hmac.compare_digest(note.signature, signature(note, text))


def _clean_text(text):
    text = (text or "").strip()
    if not text:
        raise JournalError(_("Write the note."))
    if len(text) > MAX_LENGTH:
        raise JournalError(_("A note can be at most 10,000 characters."))
    return text


def _save(note, text, *, actor, action, changes):
    note.text_encrypted = crypto.encrypt(text)
    note.signature = signature(note, text)
    note.save(force_insert=True)
    audit.record(
        actor=actor,
        action=action,
        obj=note,
        person_id=note.person_id,
        changes=changes,
    )
    return note


def do_write_note(*, actor, text, person=None, household=None):
    """A new note about a person or a household, at the subject's centre."""
    text = _clean_text(text)
    if (person is None) == (household is None):
        raise JournalError(_("A note is about one person or one household."))
    subject = person or household
    note = JournalNote(center_id=subject.center_id, person=person, household=household)
    note.author = actor
    with transaction.atomic():
        return _save(
            note,
            text,
            actor=actor,
            action="journal.write",
            changes=audit.field_changes({}, {"text": text}, personal=("text",)),
        )


def do_correct_note(*, actor, note, text, reason):
    """A correction: a new note that replaces `note` on the page; `note` itself stays."""
    text = _clean_text(text)
    reason = (reason or "").strip()
    if not reason:
        raise JournalError(_("Say why the note is corrected."))
    if len(reason) > JournalNote._meta.get_field("correction_reason").max_length:
        raise JournalError(_("The reason can be at most 200 characters."))
    with transaction.atomic():
        old = JournalNote.objects.select_for_update().get(pk=note.pk)
        if JournalNote.objects.filter(corrects=old).exists():
            raise JournalError(
                _("This note has been corrected already. Correct the newest version instead.")
            )
        new = JournalNote(
            center_id=old.center_id,
            person_id=old.person_id,
            household_id=old.household_id,
            author=actor,
            corrects=old,
            correction_reason=reason,
        )
        return _save(
            new,
            text,
            actor=actor,
            action="journal.correct",
            changes={
                "corrects": old.pk,
                **audit.field_changes(
                    {}, {"text": text, "reason": reason}, personal=("text", "reason")
                ),
            },
        )


def record_journal_view(*, actor, subject, notes, flags=(), reason=""):
    """A read of a journal, in the audit trail: who, whose, how many notes; never the text."""
    person_id = subject.pk if subject.__class__.__name__ == "Person" else None
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="journal.view",
            obj=subject,
            person_id=person_id,
            changes={"notes": len(notes)},
            flags=flags,
            reason=reason,
        )


def journal_entries(notes):
    """The notes as the page shows them: one entry per original note, with its corrections.

    Each entry is a list of versions, oldest first; every version but the last is superseded.
    """
    successor = {n.corrects_id: n for n in notes if n.corrects_id}
    entries = []
    for note in notes:
        if note.corrects_id is not None:
            continue
        versions = [note]
        while versions[-1].pk in successor:
            versions.append(successor[versions[-1].pk])
        entries.append(versions)
    return entries
