"""Residents' feedback after a visit ("seen as a person"): anonymous by construction.

Answers are never stored one by one: each answer only adds 1 to a count per centre, month,
way in (booking or the QR code at the centre), question and answer. Free text is kept apart,
under a random id (no order that could be matched with a booking or the audit trail) and the
month only, until a manager has moderated it or the retention time has passed.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .centers import Center


class FeedbackQuestion(models.TextChoices):
    WELCOME = "welcome", _("Did you feel welcome?")
    LISTENED = "listened", _("Did we listen to you?")
    AGAIN = "again", _("Would you come again?")


class FeedbackAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class FeedbackVia(models.TextChoices):
    BOOKING = "booking", _("from the booking")
    QR = "qr", _("from the QR code at the centre")


class VisitFeedbackTally(models.Model):
    """How many residents gave `answer` to `question` at a centre in a month."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="feedback_tallies")
    month = models.DateField()  # the first day of the month
    via = models.CharField(max_length=10, choices=FeedbackVia.choices)
    question = models.CharField(max_length=10, choices=FeedbackQuestion.choices)
    answer = models.CharField(max_length=10, choices=FeedbackAnswer.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["center", "month", "via", "question", "answer"],
                name="feedback_tally_cell",
            )
        ]


class VisitFeedbackComment(models.Model):
    """A resident's free text, waiting for moderation (never shown before) or approved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        APPROVED = "approved", _("approved")

    # Random, not a sequence: the order of rows must not match the order of bookings.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="feedback_comments")
    month = models.DateField()  # the first day of the month; no finer time is kept
    text_encrypted = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = _("feedback text")
        indexes = [models.Index(fields=["center", "status", "month"])]
