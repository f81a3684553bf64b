"""After a visit: three questions and an optional text, from the booking or the centre's QR
code. Anonymous (see nara/core/actions/feedback.py); works without JavaScript."""

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from nara.core.actions import feedback as actions
from nara.core.models import Center
from nara.lib.personnummer import strip_identity_numbers

from . import booking_views
from .feedback_forms import VisitFeedbackForm
from .guard import limit_reached


def _error_text(code):
    return {
        "given": _("You have already answered about this visit. Thank you!"),
        "too_early": _("You can answer after your visit. Come back then."),
        "not_visited": _("This booking was cancelled, so there is nothing to answer about."),
        "too_long": _("Your text is too long. Write at most %(limit)d characters.")
        % {"limit": actions.COMMENT_MAX_LENGTH},
        "answers": _("Choose yes, partly or no for each question."),
    }.get(code, _("Something went wrong. Nothing was saved; please try again."))


def centre_feedback(request, slug):
    """Reached from the QR code printed at the centre."""
    centre = get_object_or_404(Center, slug=slug, is_published=True)
    return _answer(request, centre, appointment=None)


@never_cache
def booking_feedback(request):
    """Reached from the booking's own page, once the visit's time has come; once."""
    appointment = booking_views._managed(request)
    if appointment is None:
        return redirect("public:booking-code")
    problem = actions.booking_feedback_problem(appointment)
    if problem:
        context = {"centre": appointment.center, "problem": _error_text(problem), "via": "booking"}
        status = 409 if request.method == "POST" else 200
        return render(request, "public/visit_feedback.html", context, status=status)
    return _answer(request, appointment.center, appointment=appointment)


def _answer(request, centre, *, appointment):
    data, removed = None, 0
    if request.method == "POST":
        # Shown again on an error without what looks like an identity number.
        data = request.POST.copy()
        data["comment"], removed = strip_identity_numbers(data.get("comment", ""))
    form = VisitFeedbackForm(data)
    status = 200
    if request.method == "POST":
        status = 400
        if limit_reached(request, "visit-feedback", settings.NARA_VISIT_FEEDBACK_PER_HOUR):
            form.add_error(
                None, _("We have received many answers from this connection. Try again later.")
            )
            status = 429
        elif form.is_valid():
            try:
                removed = actions.do_give_feedback(
                    center=centre,
                    answers=form.answers(),
                    comment=request.POST.get("comment", ""),
                    appointment=appointment,
                )
            except actions.FeedbackError as error:
                form.add_error(None, _error_text(error.code))
                status = 409 if error.code == "given" else 400
            else:
                has_text = bool(data["comment"].strip())
                context = {"centre": centre, "removed": removed, "has_text": has_text}
                return render(request, "public/visit_feedback_sent.html", context)
    context = {
        "centre": centre,
        "form": form,
        "via": "booking" if appointment is not None else "qr",
        "removed": removed,
        "retention_days": settings.NARA_FEEDBACK_TEXT_RETENTION_DAYS,
    }
    return render(request, "public/visit_feedback.html", context, status=status)
