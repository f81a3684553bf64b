"""Residents' feedback after a visit: given anonymously, moderated by the centre's manager.

What is stored is what the public page promises (public/templates/public/visit_feedback.html,
tests/public/test_visit_feedback.py): each answer adds 1 to a count per centre, month, way in,
question and answer; free text is kept apart under a random id with the month only, with
anything shaped like an identity number removed, until a manager approves it (kept until the
retention time) or rejects it (deleted). Nothing links an answer to a booking: a booking only
gets `feedback_given` so that it can answer once. The audit entries carry no client address,
no booking and no answer.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from nara.core import audit, crypto
from nara.core.models import (
    Appointment,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackVia,
    VisitFeedbackComment,
    VisitFeedbackTally,
)
from nara.lib.personnummer import strip_identity_numbers

COMMENT_MAX_LENGTH = 1000
# A booking that may still be answered about: booked (not yet marked) or attended.
ANSWERABLE = (Appointment.Status.BOOKED, Appointment.Status.ATTENDED)


class FeedbackError(ValueError):
    """The answer cannot be taken; `code` selects the message shown. Nothing was saved."""

    def __init__(self, code):
        self.code = code
        super().__init__(code)


def month_of(moment=None):
    return timezone.localdate(moment or timezone.now()).replace(day=1)


def booking_feedback_problem(appointment, now=None):
    """None when this booking may give feedback now, else the reason's code."""
    now = now or timezone.now()
    if appointment.feedback_given:
        return "given"
    if appointment.status not in ANSWERABLE:
        return "not_visited"
    if appointment.slot.starts_at > now:
        return "too_early"
    return None


def do_give_feedback(*, center, answers, comment="", appointment=None):
    """Count one resident's answers (question → answer) at `center` this month.

    From a booking (`appointment`): only once the visit's time has come, and once; the booking
    is marked in the same transaction with a conditional update, so two tabs cannot both
    answer. Returns how many identity-number-shaped strings were removed from the comment."""
    if set(answers) != set(FeedbackQuestion.values) or not set(answers.values()) <= set(
        FeedbackAnswer.values
    ):
        raise FeedbackError("answers")
    comment, removed = strip_identity_numbers((comment or "").strip())
    if len(comment) > COMMENT_MAX_LENGTH:
        raise FeedbackError("too_long")
    via = FeedbackVia.QR
    if appointment is not None:
        via = FeedbackVia.BOOKING
        if appointment.center_id != center.pk:
            raise FeedbackError("not_visited")
        problem = booking_feedback_problem(appointment)
        if problem:
            raise FeedbackError(problem)
    month = month_of()
    with transaction.atomic():
        if appointment is not None:
            claimed = Appointment.objects.filter(
                pk=appointment.pk, feedback_given=False, status__in=ANSWERABLE
            ).update(feedback_given=True)
            if not claimed:
                raise FeedbackError("given")
            appointment.feedback_given = True
        for question, answer in sorted(answers.items()):
            _count(center, month, via, question, answer)
        if comment:
            VisitFeedbackComment.objects.create(
                center=center, month=month, text_encrypted=crypto.encrypt(comment)
            )
        audit.record(
            actor=audit.RESIDENT,
            action="visit_feedback.give",
            center_id=center.pk,
            changes={"via": via},
        )
    return removed


def _count(center, month, via, question, answer):
    cell = VisitFeedbackTally.objects.filter(
        center=center, month=month, via=via, question=question, answer=answer
    )
    if cell.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            VisitFeedbackTally.objects.create(
                center=center, month=month, via=via, question=question, answer=answer, count=1
            )
    except IntegrityError:  # someone else created the cell first
        cell.update(count=F("count") + 1)


def do_moderate_comment(*, actor, comment, approve):
    """Approve (staff then see it beside the figures) or reject (deleted at once)."""
    with transaction.atomic():
        locked = VisitFeedbackComment.objects.select_for_update().filter(pk=comment.pk).first()
        if locked is None or locked.status != VisitFeedbackComment.Status.PENDING:
            raise FeedbackError("moderated")
        audit.record(
            actor=actor,
            action="visit_feedback.approve" if approve else "visit_feedback.reject",
            obj=locked,
            center_id=locked.center_id,
        )
        if approve:
            locked.status = VisitFeedbackComment.Status.APPROVED
            locked.save(update_fields=["status"])
        else:
            locked.delete()


def comment_text(comment):
    """The text to show staff: decrypted, and identity-number-shaped strings removed again."""
    return strip_identity_numbers(crypto.decrypt(comment.text_encrypted))[0]


def text_cutoff_month(now=None):
    """Texts of months before this one are past retention: every text goes at the latest
    NARA_FEEDBACK_TEXT_RETENTION_DAYS days after the end of its month."""
    today = timezone.localdate(now or timezone.now())
    return (today - dt.timedelta(days=settings.NARA_FEEDBACK_TEXT_RETENTION_DAYS)).replace(day=1)


def purge_comments(now=None):
    """Delete feedback texts past retention (run by do_purge); returns how many went."""
    old = VisitFeedbackComment.objects.filter(month__lt=text_cutoff_month(now))
    return old.delete()[0]
