"""Outreach shifts (fältarbete): record an evening's walk on a phone, list shifts per centre with
totals per month. Own centres only; no personal data on any of these pages."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from nara.core import access
from nara.core.actions import outreach as actions
from nara.core.models import CENTRE_ROLES, AgeBand, Gender, OutreachShift
from nara.lib.topics import TOPIC_TITLES

from .decorators import staff_view
from .outreach_forms import OutreachForm

SHOWN = 50


def posted(request):
    """The posted data, also when empty (an empty POST is a bound form that shows errors)."""
    return request.POST if request.method == "POST" else None


def choose_centre(request, url_name, title, page):
    """The one own centre's page (shown here), or a choice of the user's centres."""
    centres = list(access.casework_centres(request.user))
    if len(centres) == 1:
        return page(request, centres[0].pk)
    context = {"centres": centres, "url_name": url_name, "title": title}
    return render(request, "workspace/outreach/choose_centre.html", context)


@staff_view(*CENTRE_ROLES)
def outreach_start(request):
    return choose_centre(request, "workspace:outreach-list", _("Outreach"), outreach_list)


@staff_view(*CENTRE_ROLES)
def outreach_list(request, pk):
    centre = access.get_own_centre(request.user, pk)
    shifts = (
        OutreachShift.objects.filter(center=centre)
        .select_related("area")
        .prefetch_related("staff")
        .order_by("-starts_at", "-pk")[:SHOWN]
    )
    context = {
        "centre": centre,
        "shifts": shifts,
        "months": actions.outreach_months(centre),
    }
    return render(request, "workspace/outreach/outreach_list.html", context)


def _save(request, form, save):
    try:
        return save(**form.values())
    except actions.OutreachRefused as refused:
        field = refused.field if refused.field in form.fields else None
        if field == "note":  # a refused note may hold an identity number: not written back
            form.data = form.data.copy()
            form.data["note"] = ""
        form.add_error(field, refused.message)
        return None


def _form_page(request, centre, form, shift=None):
    status = 400 if form.is_bound and form.errors else 200
    context = {"centre": centre, "form": form, "shift": shift}
    return render(request, "workspace/outreach/outreach_form.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def outreach_new(request, pk):
    centre = access.get_own_centre(request.user, pk)
    form = OutreachForm(posted(request), centre=centre, user=request.user)
    if request.method == "POST" and form.is_valid():

        def save(**values):
            return actions.do_record_outreach(actor=request.user, center=centre, **values)

        shift = _save(request, form, save)
        if shift is not None:
            messages.success(
                request,
                _("Outreach saved: %(people)d people met, %(contacts)d contacts made.")
                % {"people": shift.people_met, "contacts": shift.contacts_made},
            )
            return redirect("workspace:outreach-list", centre.pk)
    return _form_page(request, centre, form)


def _initial(shift):
    local = timezone.localtime
    starts, ends = local(shift.starts_at), local(shift.ends_at)
    initial = {
        "date": starts.date(),
        "starts": starts.time(),
        "ends": ends.time(),
        "past_midnight": ends.date() > starts.date(),
        "staff": [str(pk) for pk in shift.staff.values_list("pk", flat=True)],
        "area": str(shift.area_id) if shift.area_id and shift.lat is None else "",
        "lat": shift.lat,
        "lon": shift.lon,
        "topics": shift.topics,
        "contacts_made": shift.contacts_made,
        "partners": [str(pk) for pk in shift.partners.values_list("pk", flat=True)],
        "note": shift.note,
    }
    for count in shift.counts.all():
        initial[actions.cell_name(count.age_band, count.gender)] = count.count
    return initial


@staff_view(*CENTRE_ROLES)
def outreach_edit(request, pk):
    shift = access.get_own_casework_object(request.user, OutreachShift, pk)
    centre = shift.center
    form = OutreachForm(posted(request), centre=centre, user=request.user, initial=_initial(shift))
    if request.method == "POST" and form.is_valid():

        def save(**values):
            return actions.do_update_outreach(actor=request.user, shift=shift, **values)

        if _save(request, form, save) is not None:
            messages.success(request, _("Saved."))
            return redirect("workspace:outreach-shift", shift.pk)
    return _form_page(request, centre, form, shift)


@staff_view(*CENTRE_ROLES)
def outreach_detail(request, pk):
    shift = access.get_own_casework_object(request.user, OutreachShift, pk)
    cells = {(c.age_band, c.gender): c.count for c in shift.counts.all()}
    grid = [
        (label, [cells.get((age, gender), 0) for gender in Gender.values])
        for age, label in AgeBand.choices
    ]
    context = {
        "shift": shift,
        "centre": shift.center,
        "grid": grid,
        "genders": [label for _value, label in Gender.choices],
        "topics": [TOPIC_TITLES[t] for t in shift.topics if t in TOPIC_TITLES],
    }
    return render(request, "workspace/outreach/outreach_detail.html", context)
