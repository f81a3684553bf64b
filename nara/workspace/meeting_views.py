"""Collaboration meetings with partners: the centre's meetings, a meeting with its agreed
actions and SSPF counts, new meetings and actions, an action done or cancelled.

Own centre only (emergency access is for people, not meetings); no personal data is shown or
stored here, so reads are not audited, writes are (through the actions)."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from nara.core import access
from nara.core.actions import meetings as actions
from nara.core.models import CENTRE_ROLES, MeetingAction, PartnerMeeting, YouthBand
from nara.lib.personnummer import contains_identity_number
from nara.lib.topics import TOPIC_TITLES

from .decorators import staff_view
from .forms import forget
from .meeting_forms import ActionForm, ActionStatusForm, MeetingForm

SHOWN = 100  # meetings listed per centre, newest first
Status = MeetingAction.Status


@staff_view(*CENTRE_ROLES)
def meetings_index(request):
    """The menu's entry: the meetings of the user's only centre, or a choice of centres."""
    centres = list(access.casework_centres(request.user))
    if len(centres) == 1:
        return _centre_list(request, centres[0])
    return render(request, "workspace/meetings/index.html", {"centres": centres})


@staff_view(*CENTRE_ROLES)
def centre_meetings(request, pk):
    return _centre_list(request, access.get_own_centre(request.user, pk))


def _centre_list(request, centre):
    today = timezone.localdate()
    meetings = (
        PartnerMeeting.objects.filter(center=centre)
        .annotate(
            open_actions=Count("actions", filter=Q(actions__status=Status.OPEN)),
            overdue_actions=Count(
                "actions", filter=Q(actions__status=Status.OPEN, actions__due__lt=today)
            ),
        )
        .prefetch_related("partners")
        .order_by("-held_on", "-pk")
    )
    context = {
        "centre": centre,
        "meetings": list(meetings[:SHOWN]),
        "total": PartnerMeeting.objects.filter(center=centre).count(),
    }
    return render(request, "workspace/meetings/list.html", context)


def _refused(form, refused, rows=None):
    """Put a refusal from the action on the field it belongs to (the row of an action)."""
    field = refused.field
    if refused.row is not None and rows is not None:
        field = f"action_{rows[refused.row]}_{field}"
    if field == "sspf" or field not in form.fields:
        field = None
    elif contains_identity_number(str(form.data.get(field, ""))):
        form.data = forget(form.data, field)  # not written back into the page
    form.add_error(field, refused.message)


@staff_view(*CENTRE_ROLES)
def meeting_new(request, pk):
    centre = access.get_own_centre(request.user, pk)
    form = MeetingForm(request.POST or None, center=centre)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.do_record_meeting(
                actor=request.user,
                center=centre,
                held_on=data["held_on"],
                place=data["place"],
                partners=data["partners"],
                other_participants=data["other_participants"],
                topics=data["topics"],
                summary=data["summary"],
                is_sspf=data["is_sspf"],
                sspf_counts=data["sspf_counts"],
                actions=data["actions"],
            )
        except actions.MeetingRefused as refused:
            _refused(form, refused, data["action_rows"])
        else:
            n = meeting.actions.count()
            text = ngettext(
                "Meeting saved with %(n)d agreed action.",
                "Meeting saved with %(n)d agreed actions.",
                n,
            )
            messages.success(request, text % {"n": n})
            return redirect("workspace:meeting", meeting.pk)
    status = 400 if form.is_bound else 200
    context = {"centre": centre, "form": form}
    return render(request, "workspace/meetings/form.html", context, status=status)


def _sspf_table(meeting):
    """(band labels, [(area name, [count per band], row total)], column totals)."""
    bands = YouthBand.values
    rows = {}
    for cell in meeting.sspf_counts.select_related("area"):
        if cell.area_outside:
            name = _("outside the catchment")
        else:
            name = cell.area.name if cell.area else _("area removed since")
        rows.setdefault(name, dict.fromkeys(bands, 0))[cell.age_band] += cell.count
    table = [(name, [c[b] for b in bands], sum(c.values())) for name, c in rows.items()]
    totals = [sum(c[b] for c in rows.values()) for b in bands]
    return [label for _b, label in YouthBand.choices], table, totals


@staff_view(*CENTRE_ROLES)
def meeting_detail(request, pk):
    meeting = access.get_own_casework_object(request.user, PartnerMeeting, pk)
    return _detail(request, meeting, ActionForm(center=meeting.center))


def _detail(request, meeting, action_form, status=200):
    labels, table, totals = _sspf_table(meeting)
    context = {
        "meeting": meeting,
        "centre": meeting.center,
        "partners": meeting.partners.all(),
        "topics": [TOPIC_TITLES[t] for t in meeting.topics if t in TOPIC_TITLES],
        "actions": meeting.actions.select_related(
            "owner_user", "owner_partner", "status_changed_by"
        ),
        "action_form": action_form,
        "today": timezone.localdate(),
        "sspf_labels": labels,
        "sspf_table": table,
        "sspf_totals": totals,
        "sspf_total": sum(totals),
    }
    return render(request, "workspace/meetings/detail.html", context, status=status)


@staff_view(*CENTRE_ROLES)
def meeting_action_new(request, pk):
    meeting = access.get_own_casework_object(request.user, PartnerMeeting, pk)
    form = ActionForm(request.POST or None, center=meeting.center)
    if request.method != "POST":
        return _detail(request, meeting, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_action(
                actor=request.user,
                meeting=meeting,
                what=data["what"],
                owner=data["owner"],
                due=data["due"],
            )
        except actions.MeetingRefused as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("Agreed action added."))
            return redirect("workspace:meeting", meeting.pk)
    return _detail(request, meeting, form, status=400)


def _back(request, action):
    """Where the button was (a path of this site), else the meeting."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workspace:meeting", args=[action.meeting_id])


STATUS_MESSAGES = {
    Status.OPEN: gettext_lazy("Reopened: %(what)s"),
    Status.DONE: gettext_lazy("Marked as done: %(what)s"),
    Status.CANCELLED: gettext_lazy("Cancelled: %(what)s"),
}


@staff_view(*CENTRE_ROLES)
@require_POST
def meeting_action_status(request, pk):
    action = access.get_own_casework_object(request.user, MeetingAction, pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose open, done or cancelled. Nothing was changed."))
        return redirect(_back(request, action))
    action, changed = actions.do_set_action_status(
        actor=request.user, action=action, status=form.cleaned_data["status"]
    )
    if changed:
        messages.success(request, STATUS_MESSAGES[action.status] % {"what": action.what})
    return redirect(_back(request, action))
