"""Forms for outreach shifts and group activities (phone first, no JavaScript needed)."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.actions.groups import MAX_ATTENDED, MAX_CAPACITY, MAX_WAITING_COUNT
from nara.core.actions.outreach import CELLS, MAX_CELL, NOTE_MAX, cell_name, partners_of
from nara.core.models import CENTRE_ROLES, AgeBand, Area, Gender
from nara.lib.topics import TOPIC_CHOICES

from .contact_forms import DATE

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NUMBER = {"inputmode": "numeric", "min": "0"}


def whole_number(label, maximum, *, required=False, minimum=0, **kwargs):
    message = _("Write a whole number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=minimum,
        max_value=maximum,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={**NUMBER, "min": str(minimum), "max": str(maximum)}),
        **kwargs,
    )


def centre_staff(centre):
    users = (
        get_user_model()
        .objects.filter(
            memberships__center=centre, memberships__role__in=CENTRE_ROLES, is_active=True
        )
        .distinct()
        .order_by("first_name", "username")
    )
    return {str(u.pk): u for u in users}


def default_evening(now=None):
    """(date, start, end, past midnight) for "this evening": 18:00 until now (to the quarter
    hour); by day the three hours before now; after midnight, last evening until now."""
    now = timezone.localtime(now)
    end = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    if end.hour < 4:
        return end.date() - dt.timedelta(days=1), dt.time(18, 0), end.time(), True
    if end.hour >= 19:
        return end.date(), dt.time(18, 0), end.time(), False
    start = end - dt.timedelta(hours=3)
    return end.date(), start.time(), end.time(), False


def aware(day, time):
    return timezone.make_aware(dt.datetime.combine(day, time))


class SpanForm(forms.Form):
    """A date with a start and end time; an end before the start means after midnight only when
    "ended after midnight" is ticked."""

    date = forms.DateField(label=_("Date"), widget=DATE)
    starts = forms.TimeField(label=_("Start"), widget=TIME)
    ends = forms.TimeField(label=_("End"), widget=TIME)
    past_midnight = forms.BooleanField(label=_("Ended after midnight"), required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= day <= dt.date(2999, 12, 31):
            raise forms.ValidationError(_("Write a date between 2000 and 2999."))
        return day

    def span(self):
        data = self.cleaned_data
        starts = aware(data["date"], data["starts"])
        end_day = data["date"] + dt.timedelta(days=1 if data.get("past_midnight") else 0)
        return starts, aware(end_day, data["ends"])


class StaffChoice(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class OutreachForm(SpanForm):
    staff = StaffChoice(label=_("Who was out"))
    area = forms.ChoiceField(label=_("Where"), required=False)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics raised"),
        choices=TOPIC_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts_made = whole_number(_("Contacts made"), MAX_CELL, initial=0)
    partners = forms.MultipleChoiceField(
        label=_("Partners present"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Short note (optional)"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("No names, and nothing else that tells who someone is."),
    )

    def __init__(self, *args, centre, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.colleagues = centre_staff(centre)
        self.fields["staff"].choices = [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.colleagues.items()
        ]
        areas = Area.objects.filter(catchments__center=centre).distinct().order_by("name")
        self.areas = {str(a.pk): a for a in areas}
        self.fields["area"].choices = [
            ("", _("a point on the map (below)")),
            *[(pk, a.name) for pk, a in self.areas.items()],
        ]
        self.partner_objects = {str(p.pk): p for p in partners_of(centre)}
        self.fields["partners"].choices = [(pk, p.name) for pk, p in self.partner_objects.items()]
        for age_band, gender in CELLS:
            label = f"{AgeBand(age_band).label}, {Gender(gender).label}"
            field = self.fields[cell_name(age_band, gender)] = whole_number(label, MAX_CELL)
            field.widget.attrs["aria-label"] = label  # the grid shows no label of its own
        if not self.is_bound:
            day, starts, ends, past_midnight = default_evening()
            self.initial.setdefault("date", day)
            self.initial.setdefault("starts", starts)
            self.initial.setdefault("ends", ends)
            self.initial.setdefault("past_midnight", past_midnight)
            if str(user.pk) in self.colleagues:
                self.initial.setdefault("staff", [str(user.pk)])
            if len(self.areas) == 1:
                self.initial.setdefault("area", next(iter(self.areas)))

    def grid(self):
        """Rows of the counts grid: (age band label, [bound fields by gender])."""
        return [
            (label, [self[cell_name(age, gender)] for gender in Gender.values])
            for age, label in AgeBand.choices
        ]

    @staticmethod
    def genders():
        return [label for _value, label in Gender.choices]

    def values(self):
        """Keyword arguments for the outreach actions."""
        data = self.cleaned_data
        starts_at, ends_at = self.span()
        return {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "staff": [self.colleagues[pk] for pk in data["staff"]],
            "area": self.areas.get(data.get("area") or ""),
            "lat": data.get("lat"),
            "lon": data.get("lon"),
            "topics": data.get("topics") or [],
            "counts": {(a, g): data.get(cell_name(a, g)) or 0 for a, g in CELLS},
            "contacts_made": data.get("contacts_made") or 0,
            "partners": [self.partner_objects[pk] for pk in data.get("partners") or []],
            "note": data.get("note", ""),
        }


class GroupForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    service = forms.ChoiceField(label=_("Service"))
    partner = forms.ChoiceField(label=_("Run together with (optional)"), required=False)
    capacity = whole_number(_("Places"), MAX_CAPACITY, required=True, minimum=1, initial=12)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {str(s.pk): s for s in centre.services.order_by("topic", "slug")}
        self.fields["service"].choices = [(pk, str(s.name)) for pk, s in self.services.items()]
        self.partner_objects = {str(p.pk): p for p in partners_of(centre)}
        self.fields["partner"].choices = [
            ("", _("no partner")),
            *[(pk, p.name) for pk, p in self.partner_objects.items()],
        ]

    def values(self):
        data = self.cleaned_data
        return {
            "title": data["title"],
            "service": self.services[data["service"]],
            "partner": self.partner_objects.get(data.get("partner") or ""),
            "capacity": data["capacity"],
        }


class SessionForm(SpanForm):
    leaders = StaffChoice(label=_("Leaders from the centre"), required=False)
    partner_leader = forms.CharField(
        label=_("Leader from the partner (optional)"),
        max_length=80,
        required=False,
        help_text=_("A staff member of the partner, never a participant."),
    )

    def __init__(self, *args, centre, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = centre_staff(centre)
        self.fields["leaders"].choices = [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.colleagues.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("starts", dt.time(17, 0))
            self.initial.setdefault("ends", dt.time(18, 30))
            if str(user.pk) in self.colleagues:
                self.initial.setdefault("leaders", [str(user.pk)])

    def values(self):
        starts_at, ends_at = self.span()
        return {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "leaders": [self.colleagues[pk] for pk in self.cleaned_data.get("leaders") or []],
            "partner_leader": self.cleaned_data.get("partner_leader", ""),
        }


class AttendanceForm(forms.Form):
    attended = whole_number(_("How many came"), MAX_ATTENDED, required=True)
    present = forms.MultipleChoiceField(
        label=_("Registered participants present"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = {str(p.pk): p for p in participants}
        self.fields["present"].choices = [
            (pk, participant_name(p)) for pk, p in self.participants.items()
        ]
        if not self.participants:
            del self.fields["present"]


def participant_name(row):
    """How a participant or waiting-list entry is shown: name, alias, or a number."""
    if row.person_id:
        return f"{row.person.first_name} {row.person.last_name}"
    if row.alias_id:
        return row.alias.name
    return _("%(n)d without names") % {"n": getattr(row, "count", 1)}


class AliasForm(forms.Form):
    alias_name = forms.CharField(label=_("Alias chosen by the resident"), max_length=40)


class CountForm(forms.Form):
    count = whole_number(_("How many are waiting"), MAX_WAITING_COUNT, required=True, minimum=1)
