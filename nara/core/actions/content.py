"""Public content: myths and facts, page feedback."""

from django.db import transaction

from nara.core import audit
from nara.core.models import PageFeedback


def do_submit_feedback(*, path, language, helpful, comment):
    """Anonymous feedback; audited without any client address, as it is not personal data."""
    with transaction.atomic():
        feedback = PageFeedback.objects.create(
            path=path[:200], language=language[:8], helpful=helpful, comment=comment[:500]
        )
        audit.record(
            actor=audit.RESIDENT,
            action="feedback.submit",
            obj=feedback,
            changes={"helpful": helpful},
        )
    return feedback
