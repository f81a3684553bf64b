"""Forms for collaboration meetings: the meeting with a few agreed actions and SSPF counts, one
more agreed action, and an action's status."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.actions.meetings import (
    MAX_COUNT,
    OTHERS_MAX,
    OUTSIDE,
    PLACE_MAX,
    SUMMARY_MAX,
    WHAT_MAX,
    AgreedAction,
    catchment_areas,
    colleagues,
    partner_organisations,
)
from nara.core.models import MeetingAction, YouthBand
from nara.lib.topics import TOPIC_CHOICES

from .contact_forms import DATE

ACTION_ROWS = 3  # empty rows for agreed actions on a new meeting; more are added afterwards


def owner_choices(center):
    """(choices, value → owner): colleagues and partner organisations, in one list."""
    people = {f"user:{u.pk}": u for u in colleagues(center)}
    partners = {f"partner:{p.pk}": p for p in partner_organisations(center)}
    choices = [("", _("Choose an owner"))]
    if people:
        choices.append(
            (
                _("Colleagues"),
                [(k, u.get_full_name() or u.get_username()) for k, u in people.items()],
            )
        )
    if partners:
        choices.append((_("Partner organisations"), [(k, p.name) for k, p in partners.items()]))
    return choices, {**people, **partners}


def _owner_field(choices):
    return forms.ChoiceField(label=_("Owner"), choices=choices, required=False)


def _what_field(required):
    return forms.CharField(
        label=_("What was agreed"), max_length=WHAT_MAX, required=required, strip=True
    )


def _due_field(required):
    return forms.DateField(label=_("Due"), widget=DATE, required=required)


class OwnerMixin:
    """The owner as a user or partner; an unknown value is named clearly, not "not one of the
    available choices"."""

    def owner_from(self, name):
        value = str(self.data.get(name, "") or "")
        if value and value not in self.owners:
            self.errors.pop(name, None)
            self.add_error(name, _("Choose a colleague at this centre or a partner organisation."))
            return None
        return self.owners.get(value)


class MeetingForm(OwnerMixin, forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=PLACE_MAX)
    partners = forms.MultipleChoiceField(
        label=_("Organisations present"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_participants = forms.CharField(
        label=_("Other participants (optional)"),
        max_length=OTHERS_MAX,
        required=False,
        help_text=_("Roles or organisations, for example “leisure centre” — not residents."),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=TOPIC_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("Short summary (optional)"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "No personal data: no names, identity numbers or details that point to a resident."
        ),
    )
    is_sspf = forms.BooleanField(
        label=_("SSPF meeting (school, social services, police, leisure)"), required=False
    )

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.partner_map = {str(p.pk): p for p in partner_organisations(center)}
        self.fields["partners"].choices = [(k, p.name) for k, p in self.partner_map.items()]
        self.fields["held_on"].initial = timezone.localdate()
        choices, self.owners = owner_choices(center)
        for row in range(ACTION_ROWS):
            self.fields[f"action_{row}_what"] = _what_field(required=False)
            self.fields[f"action_{row}_owner"] = _owner_field(choices)
            self.fields[f"action_{row}_due"] = _due_field(required=False)
        self.areas = [(str(a.pk), a.name) for a in catchment_areas(center)]
        self.areas.append((OUTSIDE, str(_("outside the catchment"))))
        for band, band_label in YouthBand.choices:
            for key, name in self.areas:
                label = f"{band_label}, {name}"
                self.fields[f"sspf_{band}_{key}"] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_value=MAX_COUNT,
                    widget=forms.NumberInput(
                        attrs={"inputmode": "numeric", "class": "count", "aria-label": label}
                    ),
                    error_messages={
                        "invalid": _("Write a whole number."),
                        "min_value": _("A count cannot be negative."),
                        "max_value": _("At most %(limit_value)s young people in one cell."),
                    },
                )

    def action_rows(self):
        return [
            (
                row,
                self[f"action_{row}_what"],
                self[f"action_{row}_owner"],
                self[f"action_{row}_due"],
            )
            for row in range(ACTION_ROWS)
        ]

    def sspf_rows(self):
        """[(area name, [(band label, bound field)])] for the counts table."""
        return [
            (name, [(label, self[f"sspf_{band}_{key}"]) for band, label in YouthBand.choices])
            for key, name in self.areas
        ]

    @property
    def sspf_errors(self):
        return [e for name, errs in self.errors.items() if name.startswith("sspf_") for e in errs]

    def clean(self):
        data = super().clean()
        data["partners"] = [self.partner_map[k] for k in data.get("partners", [])]
        agreed, rows = [], []
        for row in range(ACTION_ROWS):
            names = [f"action_{row}_{part}" for part in ("what", "owner", "due")]
            if not any(str(self.data.get(n, "") or "").strip() for n in names):
                continue
            owner = self.owner_from(names[1])
            if any(n in self.errors for n in names):
                continue
            agreed.append(AgreedAction(data.get(names[0], ""), owner, data.get(names[2])))
            rows.append(row)
        data["actions"], data["action_rows"] = agreed, rows
        counts = {}
        for band in YouthBand.values:
            for key, _name in self.areas:
                value = data.get(f"sspf_{band}_{key}")
                if value:
                    counts[(band, key if key == OUTSIDE else int(key))] = value
        data["sspf_counts"] = counts
        return data


class ActionForm(OwnerMixin, forms.Form):
    what = _what_field(required=True)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due = _due_field(required=True)

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices, self.owners = owner_choices(center)

    def clean(self):
        data = super().clean()
        data["owner"] = self.owner_from("owner")
        return data


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MeetingAction.Status.choices)
