"""Exceptions to a centre's hours. Closing a day with bookings is two steps: the first save
shows which visits and free times the closure touches and asks, per visit, to move or cancel
it; the confirmation saves everything at once (core/actions/closing.py)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nara.core import access, audit
from nara.core.actions import booking, closing
from nara.core.models import Role, ScheduleException

from . import admin_forms
from .decorators import staff_view


class DecisionsForm(forms.Form):
    """One choice per booked visit: cancel it, or move it to one of the free times offered."""

    def __init__(self, *args, bookings, closed_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.bookings = bookings
        for appointment in bookings:
            options = closing.move_options(appointment, closed_date)
            choices = [(closing.CANCEL, gettext_lazy("Cancel the visit and tell the resident"))]
            choices += [(str(slot.pk), _("Move to %s") % _when(slot)) for slot in options]
            self.fields[f"visit_{appointment.pk}"] = forms.ChoiceField(
                choices=choices,
                label=f"{_when(appointment.slot)} {appointment.alias}",
                error_messages={"required": _("Choose what happens to this visit.")},
            )

    def rows(self):
        return [(a, self[f"visit_{a.pk}"]) for a in self.bookings]

    def clean(self):
        data = super().clean()
        moves = [v for k, v in data.items() if k.startswith("visit_") and v != closing.CANCEL]
        if len(moves) != len(set(moves)):
            raise forms.ValidationError(_("Choose a different new time for each visit."))
        return data

    def decisions(self):
        return {
            a.pk: (
                closing.CANCEL
                if self.cleaned_data[f"visit_{a.pk}"] == closing.CANCEL
                else int(self.cleaned_data[f"visit_{a.pk}"])
            )
            for a in self.bookings
        }


def _when(slot):
    return timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def exception_create(request, pk):
    centre = access.get_centre(request.user, pk, manage=True)
    return _exception_page(request, centre, None)


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def exception_edit(request, pk):
    exception = access.get_centre_object(request.user, ScheduleException, pk, manage=True)
    return _exception_page(request, exception.center, exception)


def _exception_page(request, centre, exception):
    # The form validates into a copy: the actions compare against the stored exception.
    copy = ScheduleException.objects.get(pk=exception.pk) if exception else None
    form = admin_forms.ExceptionForm(request.POST or None, instance=copy)
    title = _("Exception – %s") % centre.name
    if request.method == "POST" and form.is_valid() and _date_free(form, centre, exception):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if not fields["closed"]:
            _save_plain(request, centre, exception, fields)
            return redirect("workspace:centre", centre.pk)
        return _closing(request, centre, exception, form, fields, title)
    status = 400 if form.is_bound else 200
    context = {"form": form, "title": title, "back": "workspace:centres"}
    return render(request, "workspace/form.html", context, status=status)


def _date_free(form, centre, exception):
    others = ScheduleException.objects.filter(center=centre, date=form.cleaned_data["date"])
    if exception is not None:
        others = others.exclude(pk=exception.pk)
    if others.exists():
        form.add_error("date", _("This centre already has an exception on that date."))
        return False
    return True


def _save_plain(request, centre, exception, fields):
    closing.do_save_open_exception(
        actor=request.user, centre=centre, fields=fields, exception=exception
    )
    messages.success(request, _("Saved."))


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
@require_POST
def exception_delete(request, pk):
    exception = access.get_centre_object(request.user, ScheduleException, pk, manage=True)
    centre_id = exception.center_id
    closing.do_delete_exception(actor=request.user, exception=exception)
    messages.success(request, _("Removed."))
    return redirect("workspace:centre", centre_id)


def _closing(request, centre, exception, form, fields, title):
    bookings, free = closing.affected(centre, fields["date"])
    confirmed = request.POST.get("confirm") == "1"
    decisions = DecisionsForm(
        request.POST if confirmed else None, bookings=bookings, closed_date=fields["date"]
    )
    if not (bookings or free) or (confirmed and decisions.is_valid()):
        try:
            closing.do_close_day(
                actor=request.user,
                centre=centre,
                fields=fields,
                decisions=decisions.decisions() if bookings else {},
                exception=exception,
            )
        except closing.ClosingChanged:
            messages.error(request, _("The bookings on this day changed. Check them again."))
            return _closing_preview(request, centre, form, fields, title, status=409)
        except booking.BookingError:
            decisions.add_error(None, _("A new time you chose is no longer free. Choose again."))
        else:
            messages.success(request, _("Saved. The day is closed for booking."))
            return redirect("workspace:centre", centre.pk)
    status = 400 if decisions.is_bound else 200
    return _preview_page(request, centre, form, decisions, free, title, status)


def _closing_preview(request, centre, form, fields, title, status):
    bookings, free = closing.affected(centre, fields["date"])
    decisions = DecisionsForm(bookings=bookings, closed_date=fields["date"])
    return _preview_page(request, centre, form, decisions, free, title, status)


def _preview_page(request, centre, form, decisions, free, title, status):
    with transaction.atomic():  # the page names residents (first name or alias)
        audit.record(
            actor=request.user,
            action="calendar.view",
            obj=centre,
            changes={"closing_preview": str(form.cleaned_data["date"])},
        )
    context = {
        "form": form,
        "decisions": decisions,
        "free": free,
        "title": title,
        "centre": centre,
        "date": form.cleaned_data["date"],
    }
    return render(request, "workspace/closing_preview.html", context, status=status)
