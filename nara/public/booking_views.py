"""Booking a talk, call-me-back and anonymous questions: no account, no personnummer."""

import contextlib
import itertools

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from nara.core import crypto, queries
from nara.core.actions import booking as actions
from nara.core.actions.feedback import booking_feedback_problem
from nara.core.models import Center

from .booking_forms import BookingForm, CallbackForm, CodeForm, QuestionForm
from .guard import limit_reached


def _error_text(code):
    return {
        "taken": _("This time was just taken by someone else. Please choose another time."),
        "unavailable": _("That time can no longer be booked. Please choose another time."),
        "mode": _("That way of meeting is not possible at this time. Choose another."),
        "interpreter": _("No interpreter in that language at this time. Choose another time."),
        "not_booked": _("This booking is already cancelled or over."),
    }.get(code, _("Something went wrong. Nothing was saved; please try again."))


def _centre(slug):
    return get_object_or_404(Center, slug=slug, is_published=True)


def _days(slots, mode=""):
    chosen = [s for s in slots if not mode or mode in s.modes]
    local = [(timezone.localtime(s.starts_at), s) for s in chosen]
    return [
        (day, [s for _t, s in group])
        for day, group in itertools.groupby(local, key=lambda pair: pair[0].date())
    ]


def book(request, slug):
    centre = _centre(slug)
    initial = {
        "language": get_language(),
        "mode": request.GET.get("mode", "centre"),
        "topic": request.GET.get("topic", ""),
    }
    offered = queries.interpreter_languages(centre)
    form = BookingForm(request.POST or None, initial=initial, interpreter_languages=offered)
    status = 200
    if request.method == "POST":
        status = 400
        if limit_reached(request, "book", settings.NARA_BOOKINGS_PER_HOUR):
            form.add_error(None, _("Too many bookings from this connection. Try again later."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                appointment, token, code = actions.do_book(
                    center=centre,
                    slot_id=data["slot"],
                    mode=data["mode"],
                    alias=data["alias"],
                    language=data["language"],
                    phone=data["phone"],
                    email=data["email"],
                    interpreter_language=data["interpreter"],
                    topic=data["topic"],
                )
            except actions.BookingError as error:
                form.add_error(
                    "slot" if error.code in ("taken", "unavailable") else None,
                    _error_text(error.code),
                )
                status = 409 if error.code == "taken" else 400
            else:
                _start_managing(request, appointment)
                request.session["nara_new_code"] = code
                request.session["nara_new_link"] = _private_link(request, token)
                return redirect("public:booking")
    mode = form["mode"].value() or ""
    slots = queries.free_slots(centre)  # only when a page is shown
    context = {
        "centre": centre,
        "form": form,
        "days": _days(slots, mode),
        "dropins": _dropins(centre),
        "selected": str(form["slot"].value() or ""),
        "retention_days": settings.NARA_BOOKING_RETENTION_DAYS,
    }
    return render(request, "public/book.html", context, status=status)


def _dropins(centre):
    return [day for day in queries.center_week(centre) if day.dropins]


MANAGE_KEY = "nara_manage"
# How long a device stays able to manage a booking after the link or code was given.
MANAGE_SECONDS = 30 * 60


def _start_managing(request, appointment):
    """Remember on this device, briefly, which booking it may manage: no secret in a URL."""
    request.session.cycle_key()
    request.session[MANAGE_KEY] = appointment.pk
    request.session.set_expiry(MANAGE_SECONDS)


def _managed(request):
    pk = request.session.get(MANAGE_KEY)
    return actions.appointment_for_manage(pk) if pk else None


def _private_link(request, token):
    # The token goes in the fragment, which browsers never send to a server or its logs.
    return request.build_absolute_uri(reverse("public:booking-code")) + "#t=" + token


@never_cache
def booking(request):
    appointment = _managed(request)
    if appointment is None:
        return redirect("public:booking-code")
    context = {
        "appointment": appointment,
        "new_code": request.session.pop("nara_new_code", None),
        "private_link": request.session.pop("nara_new_link", None),
        "starts": timezone.localtime(appointment.slot.starts_at),
        "is_booked": appointment.status == "booked",
        "feedback_open": booking_feedback_problem(appointment) is None,
    }
    return render(request, "public/booking.html", context)


@require_POST
def booking_cancel(request):
    appointment = _managed(request)
    if appointment is None:
        return redirect("public:booking-code")
    with contextlib.suppress(actions.BookingError):  # already cancelled: the page says so
        actions.do_cancel(appointment=appointment)
    return redirect("public:booking")


@never_cache
def booking_rebook(request):
    appointment = _managed(request)
    if appointment is None:
        return redirect("public:booking-code")
    if appointment.status != "booked":
        return redirect("public:booking")
    error, status = None, 200
    if request.method == "POST":
        try:
            actions.do_rebook(appointment=appointment, slot_id=int(request.POST.get("slot", 0)))
        except (ValueError, actions.BookingError) as exc:
            error = _error_text(getattr(exc, "code", "unavailable"))
            status = 409 if getattr(exc, "code", "") == "taken" else 400
        else:
            return redirect("public:booking")
    slots = [s for s in queries.free_slots(appointment.center) if appointment.mode in s.modes]
    context = {"appointment": appointment, "days": _days(slots), "error": error}
    return render(request, "public/rebook.html", context, status=status)


@never_cache
def booking_by_code(request):
    """Manage a booking: the private link (its token in the fragment, posted here by a small
    script) or the code typed in. Both stay valid until the visit; neither renews the other."""
    if request.method == "POST" and "token" in request.POST:
        return _booking_by_token(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 404
        if limit_reached(request, "code", 20):
            form.add_error(None, _("Too many tries. Try again later."))
        elif form.is_valid():
            appointment = actions.appointment_for_code(form.cleaned_data["code"])
            if appointment is not None:
                _start_managing(request, appointment)
                return redirect("public:booking")
            form.add_error("code", _("We found no booking with that code. Check the code."))
        else:
            status = 400
    return render(request, "public/code.html", {"form": form, "kind": "booking"}, status=status)


def _booking_by_token(request):
    appointment = None
    if not limit_reached(request, "code", 20):
        appointment = actions.appointment_for_token(request.POST["token"][:64])
    if appointment is None:
        return render(request, "public/booking_unknown.html", status=404)
    _start_managing(request, appointment)
    return redirect("public:booking")


def old_private_link(request, token):
    """Links from before the token moved out of the path: never looked up; the code works.

    A redirect, not a 404, so that Django does not log the path (gunicorn's log redacts it:
    nara.lib.access_log)."""
    return redirect("public:booking-code")


def callback(request, slug):
    centre = _centre(slug)
    form = CallbackForm(request.POST or None, initial={"topic": request.GET.get("topic", "")})
    if request.method == "POST":
        if limit_reached(request, "callback", 5):
            form.add_error(None, _("Too many requests from this connection. Try again later."))
        elif form.is_valid():
            data = form.cleaned_data
            _request, code = actions.do_request_callback(
                center=centre,
                alias=data["alias"],
                phone=data["phone"],
                language=get_language(),
                when=data["when"],
                topic=data["topic"],
            )
            return render(
                request, "public/sent.html", {"centre": centre, "code": code, "kind": "callback"}
            )
    status = 400 if form.is_bound else 200
    context = {
        "centre": centre,
        "form": form,
        "retention_days": settings.NARA_BOOKING_RETENTION_DAYS,
    }
    return render(request, "public/callback.html", context, status=status)


def question(request, slug):
    centre = _centre(slug)
    form = QuestionForm(request.POST or None, initial={"topic": request.GET.get("topic", "")})
    if request.method == "POST":
        if limit_reached(request, "question", 5):
            form.add_error(None, _("Too many questions from this connection. Try again later."))
        elif form.is_valid():
            _asked, code = actions.do_ask_question(
                center=centre,
                question=form.cleaned_data["question"],
                language=get_language(),
                topic=form.cleaned_data["topic"],
            )
            return render(
                request, "public/sent.html", {"centre": centre, "code": code, "kind": "question"}
            )
    status = 400 if form.is_bound else 200
    context = {
        "centre": centre,
        "form": form,
        "retention_days": settings.NARA_QUESTION_RETENTION_DAYS,
    }
    return render(request, "public/question.html", context, status=status)


@never_cache
def answers(request):
    """Read the answer to a question, or whether we have called, with the code."""
    form = CodeForm(request.POST or None)
    context = {"form": form}
    status = 200
    if request.method == "POST":
        status = 404
        if limit_reached(request, "code", 20):
            form.add_error(None, _("Too many tries. Try again later."))
        elif form.is_valid():
            code = form.cleaned_data["code"]
            asked = actions.question_for_code(code)
            called = actions.callback_for_code(code)
            if asked or called:
                status = 200
                context.update(
                    {
                        "asked": asked,
                        "called": called,
                        "answer": crypto.decrypt(asked.answer_encrypted) if asked else "",
                        "question_text": crypto.decrypt(asked.question_encrypted) if asked else "",
                    }
                )
            else:
                form.add_error("code", _("We found nothing with that code. Check the code."))
        else:
            status = 400
    return render(request, "public/answers.html", context, status=status)
