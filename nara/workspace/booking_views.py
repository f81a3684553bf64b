"""The centre's calendar: bookings, drop-in, call-backs and questions; no-shows followed up."""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access, audit, crypto, queries
from nara.core.actions import booking as actions
from nara.core.actions.centers import do_create
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    Availability,
    CallbackRequest,
    FollowUpTask,
    Mode,
    Reminder,
    Role,
)
from nara.lib import calendar as rules
from nara.lib.messaging import normalise_phone

from .admin_forms import LanguagesField
from .decorators import staff_view

CENTRE_STAFF = (Role.ADMINISTRATOR, Role.CENTRE_MANAGER, Role.SOCIAL_WORKER)
CASEWORK = (Role.CENTRE_MANAGER, Role.SOCIAL_WORKER)


def _day(request):
    """The day asked for, or today; a year out of any calendar's reach also means today."""
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()
    return day if 2000 <= day.year <= 2199 else timezone.localdate()


@staff_view(*CASEWORK)
def calendar(request, pk):
    centre = access.get_centre(request.user, pk)
    day = _day(request)
    days = 7 if request.GET.get("view") == "week" else 1
    start = day - dt.timedelta(days=day.weekday()) if days == 7 else day
    zone = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    end = begin + dt.timedelta(days=days)
    appointments = list(
        Appointment.objects.filter(
            center=centre, slot__starts_at__gte=begin, slot__starts_at__lt=end
        )
        .select_related("slot", "slot__staff_member")
        .annotate(reminded=Exists(Reminder.objects.filter(appointment=OuterRef("pk"))))
    )
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="calendar.view",
            obj=centre,
            changes={"from": str(start), "days": days},
        )
    context = {
        "centre": centre,
        "day": day,
        "start": start,
        "days": days,
        "week": days == 7,
        "appointments": appointments,
        "dropins": queries.center_week(centre, start, days),
        "callbacks": CallbackRequest.objects.filter(center=centre, handled_at__isnull=True),
        "questions": AnonymousQuestion.objects.filter(center=centre, answered_at__isnull=True),
        "tasks": FollowUpTask.objects.filter(center=centre, done_at__isnull=True).select_related(
            "appointment__slot"
        ),
        "previous": start - dt.timedelta(days=days),
        "next": start + dt.timedelta(days=days),
        "now": timezone.now(),
        "marks": [
            (Appointment.Status.ATTENDED, _("Came")),
            (Appointment.Status.NO_SHOW, _("Did not come")),
        ],
    }
    return render(request, "workspace/calendar.html", context)


MARK_ERRORS = {
    "too_early": gettext_lazy("A visit can be marked only once it has begun."),
    "already_marked": gettext_lazy(
        "This visit is already marked. To change a mistaken mark, use Correct."
    ),
}


@staff_view(*CASEWORK)
@require_POST
def appointment_status(request, pk):
    appointment = access.get_centre_object(request.user, Appointment, pk)
    try:
        actions.do_mark(
            actor=request.user, appointment=appointment, status=request.POST.get("status", "")
        )
    except actions.BookingError as error:
        messages.error(request, MARK_ERRORS.get(error.code, _("That status cannot be set.")))
    else:
        messages.success(request, _("Saved."))
    return redirect(_calendar_url(appointment))


class CorrectionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Correct status"),
        choices=[
            (Appointment.Status.ATTENDED, gettext_lazy("Came")),
            (Appointment.Status.NO_SHOW, gettext_lazy("Did not come")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Why is the mark wrong?"),
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, appointment, **kwargs):
        super().__init__(*args, **kwargs)
        self.appointment = appointment

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == self.appointment.status:
            raise forms.ValidationError(_("Choose the status the visit should have instead."))
        return status


@staff_view(*CASEWORK)
def appointment_correct(request, pk):
    """Correct a mistaken attended / no-show mark, with a reason kept in the audit trail."""
    appointment = access.get_centre_object(request.user, Appointment, pk)
    if appointment.status not in actions.OUTCOMES:
        messages.error(request, _("Only a visit marked as came or did not come can be corrected."))
        return redirect(_calendar_url(appointment))
    form = CorrectionForm(request.POST or None, appointment=appointment)
    if request.method == "POST" and form.is_valid():
        actions.do_correct_mark(actor=request.user, appointment=appointment, **form.cleaned_data)
        messages.success(request, _("Corrected. The reason is kept in the log."))
        return redirect(_calendar_url(appointment))
    title = _("Correct the mark of %(when)s (now: %(status)s)") % {
        "when": timezone.localtime(appointment.slot.starts_at).strftime("%Y-%m-%d %H:%M"),
        "status": appointment.get_status_display(),
    }
    context = {"form": form, "title": title, "back": "workspace:centres"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


@staff_view(*CASEWORK)
@require_POST
def appointment_nudge(request, pk):
    appointment = access.get_centre_object(request.user, Appointment, pk)
    try:
        sent = actions.do_send_rebook_nudge(actor=request.user, appointment=appointment)
    except actions.BookingError as error:
        if error.code == "already_sent":
            messages.error(request, _("The message about booking a new time was already sent."))
        else:
            messages.error(request, _("Only a missed visit gets this message."))
    else:
        if sent:
            messages.success(
                request, _("A neutral message about booking a new time is on its way.")
            )
        else:
            messages.info(request, _("The resident left no phone number or e-mail."))
    return redirect(_calendar_url(appointment))


def _calendar_url(appointment):
    date = timezone.localtime(appointment.slot.starts_at).date()
    return f"/staff/centres/{appointment.center_id}/calendar/?date={date}"


class PhoneBookingForm(forms.Form):
    slot = forms.ChoiceField(label=gettext_lazy("Time"))
    mode = forms.ChoiceField(choices=Mode.choices, label=gettext_lazy("How"))
    alias = forms.CharField(max_length=40, label=gettext_lazy("First name or alias"))
    phone = forms.CharField(
        max_length=20, required=False, label=gettext_lazy("Mobile number for reminders (optional)")
    )
    language = forms.ChoiceField(label=gettext_lazy("Language for reminders"))

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (s.pk, timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M")) for s in slots
        ]
        self.fields["language"].choices = settings.LANGUAGES

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except ValueError:
            raise forms.ValidationError(
                _("Write a Swedish mobile number, for example 070-123 45 67.")
            ) from None


@staff_view(*CASEWORK)
def phone_booking(request, pk):
    centre = access.get_centre(request.user, pk)
    form = PhoneBookingForm(request.POST or None, slots=queries.free_slots(centre, days=42))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment, _token, code = actions.do_book(
                slot_id=int(data["slot"]),
                mode=data["mode"],
                alias=data["alias"],
                language=data["language"],
                phone=data["phone"],
                staff_actor=request.user,
            )
        except actions.BookingError as error:
            form.add_error(
                "slot",
                _("That time is no longer free.")
                if error.code == "taken"
                else _("That time or way of meeting cannot be booked."),
            )
        else:
            messages.success(
                request, _("Booked. Give the resident the code %(code)s.") % {"code": code}
            )
            return redirect(_calendar_url(appointment))
    context = {"form": form, "title": _("Booking taken by phone"), "back": "workspace:centres"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


class AvailabilityForm(forms.ModelForm):
    modes = forms.MultipleChoiceField(
        choices=Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Ways of meeting"),
    )
    interpreter_languages = LanguagesField(label=gettext_lazy("Interpreter available in"))

    class Meta:
        model = Availability
        fields = [
            "staff_member",
            "byday",
            "opens_at",
            "closes_at",
            "meeting_minutes",
            "valid_from",
            "valid_to",
            "modes",
            "interpreter_languages",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_member"].queryset = centre.staff.all()

    def clean_byday(self):
        value = self.cleaned_data["byday"].upper().replace(" ", "")
        try:
            days = rules.parse_byday(value, "WEEKLY")
        except rules.ScheduleRuleError:
            days = []
        if not days or any(day.n for day in days):  # bookable times repeat every week
            raise forms.ValidationError(_("Use weekdays like MO,WE,FR."))
        return value

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The end must be after the start."))
        minutes = data.get("meeting_minutes")
        if minutes is not None and not 10 <= minutes <= 240:
            self.add_error("meeting_minutes", _("A meeting lasts 10 to 240 minutes."))
        return data


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def availability_new(request, pk):
    centre = access.get_centre(request.user, pk, manage=True)
    form = AvailabilityForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        rule = do_create(
            actor=request.user, model=Availability, fields={**fields, "center": centre}
        )
        count = actions.do_publish_slots(actor=request.user, availability=rule)
        messages.success(request, _("%(count)d bookable times published.") % {"count": count})
        return redirect("workspace:centre", centre.pk)
    context = {"form": form, "title": _("Bookable times"), "back": "workspace:centres"}
    return render(request, "workspace/form.html", context, status=400 if form.is_bound else 200)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        min_length=2,
        max_length=4000,
        label=gettext_lazy("Answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@staff_view(*CASEWORK)
def question_answer(request, pk):
    asked = access.get_centre_object(request.user, AnonymousQuestion, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_answer_question(
            actor=request.user, question=asked, answer=form.cleaned_data["answer"]
        )
        messages.success(request, _("Answered. The resident reads it with their code."))
        return redirect(f"/staff/centres/{asked.center_id}/calendar/")
    with transaction.atomic():
        audit.record(actor=request.user, action="question.view", obj=asked)
    context = {"form": form, "asked": asked, "text": crypto.decrypt(asked.question_encrypted)}
    return render(request, "workspace/question.html", context, status=400 if form.is_bound else 200)


class CallbackDoneForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, label=gettext_lazy("Note (optional)"))


@staff_view(*CASEWORK)
def callback_detail(request, pk):
    callback = access.get_centre_object(request.user, CallbackRequest, pk)
    form = CallbackDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_handle_callback(
            actor=request.user, callback=callback, note=form.cleaned_data["note"]
        )
        messages.success(request, _("Marked as called."))
        return redirect(f"/staff/centres/{callback.center_id}/calendar/")
    with transaction.atomic():
        audit.record(actor=request.user, action="callback.view", obj=callback)
    context = {
        "form": form,
        "callback": callback,
        "phone": crypto.decrypt(callback.phone_encrypted),
    }
    return render(request, "workspace/callback.html", context)


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def no_shows(request):
    """No-show rate = no-shows / (attended + no-shows), per centre and month, from the database."""
    rows = (
        Appointment.objects.filter(center__in=access.manageable_centres(request.user))
        .annotate(month=TruncMonth("slot__starts_at"))
        .values("center__name", "month")
        .annotate(
            attended=Count("pk", filter=Q(status=Appointment.Status.ATTENDED)),
            missed=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
            total=Count("pk"),
            reminded=Count(
                "pk", filter=Q(Exists(Reminder.objects.filter(appointment=OuterRef("pk"))))
            ),
        )
        .order_by("center__name", "-month")
    )
    table = []
    for row in rows:
        seen = row["attended"] + row["missed"]
        table.append(
            {
                **row,
                "rate": row["missed"] / seen if seen else None,
                "reminder_share": row["reminded"] / row["total"] if row["total"] else None,
            }
        )
    return render(request, "workspace/no_shows.html", {"rows": table})
