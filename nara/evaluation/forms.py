"""Evaluation forms: a new evaluation (one role and opening date per area), an import."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from . import imports, series, services
from .models import Evaluation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NOT_INCLUDED = ""
ROLE_CHOICES = [
    (NOT_INCLUDED, _("not included")),
    ("treated", _("treated (a centre opened)")),
    ("comparison", _("comparison")),
]


class MonthField(forms.CharField):
    """A month written 2024-01 (or 2024-01-01): the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2024-01"})

    def __init__(self, **kwargs):
        super().__init__(max_length=10, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        month = imports.parse_month(text)
        if month is None:
            raise forms.ValidationError(_("Write the month as 2024-01."))
        return month


class EvaluationForm(forms.Form):
    name = forms.CharField(label=_("Name of the evaluation"), max_length=120)
    outcome = forms.ChoiceField(label=_("Outcome"))
    first_month = MonthField(label=_("First month"))
    last_month = MonthField(label=_("Last month"))
    matching = forms.ChoiceField(
        label=_("Comparison areas"),
        choices=Evaluation.Matching.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Matched on the need index: for each treated area, the area with the nearest need "
            "index that never had a centre. Chosen by hand: the areas marked as comparison "
            "below."
        ),
    )

    def __init__(self, *args, municipality, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.areas = list(areas)
        self.fields["outcome"].choices = series.outcome_choices(municipality)
        for area in self.areas:
            self.fields[f"role_{area.pk}"] = forms.ChoiceField(
                label=_("Role of %(area)s") % {"area": area.name},
                choices=ROLE_CHOICES,
                required=False,
            )
            self.fields[f"opened_{area.pk}"] = forms.DateField(
                label=_("Opening date in %(area)s") % {"area": area.name},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def area_rows(self):
        return [(area, self[f"role_{area.pk}"], self[f"opened_{area.pk}"]) for area in self.areas]

    def clean(self):
        cleaned = super().clean()
        for area in self.areas:
            day = cleaned.get(f"opened_{area.pk}")
            if day is not None and not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31):
                self.add_error(f"opened_{area.pk}", _("Give a date between 1990 and 2100."))
        return cleaned

    def request(self):
        data = self.cleaned_data
        treated, comparison = {}, []
        for area in self.areas:
            role = data.get(f"role_{area.pk}")
            if role == "treated":
                treated[area] = data.get(f"opened_{area.pk}")
            elif role == "comparison":
                comparison.append(area)
        return services.Request(
            name=data["name"],
            outcome=data["outcome"],
            matching=data["matching"],
            first_month=data["first_month"],
            last_month=data["last_month"],
            treated=treated,
            comparison=comparison,
        )


class OutcomeImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with monthly values"),
        help_text=_(
            "Columns: area code, month (2024-01), measure, value. Semicolons or commas, decimal "
            "comma or point, UTF-8 or Windows-1252 (Excel's CSV) all work."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
