"""Planning forms: need weights, scenario parameters, candidate import."""

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.lib import spreadsheets
from nara.lib.indicators import indicator_label

from . import plans, services
from .models import Scenario

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Far beyond any municipality, and small enough for the solvers' machine integers.
MAX_SITES = 10_000
MAX_POSTS = 100_000
# The new-scenario form's one-time token, as secrets.token_urlsafe writes it.
SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_token():
    return secrets.token_urlsafe(24)


def submission_token(raw):
    """A posted token if it is well formed, else "" (nothing else is looked up)."""
    return raw if isinstance(raw, str) and SUBMISSION_TOKEN.fullmatch(raw) else ""


class WeightsMixin:
    """One weight and one direction field per indicator: ``w_<name>`` and ``up_<name>``."""

    def add_weight_fields(self, names):
        defaults = services.default_weights(names)
        self.indicator_names = list(names)
        for name, default in defaults.items():
            self.fields[f"w_{name}"] = forms.FloatField(
                label=_("Weight of %s") % indicator_label(name),
                min_value=0,
                initial=default.weight,
                required=True,
            )
            self.fields[f"up_{name}"] = forms.BooleanField(
                label=_("A higher value of %s means more need") % indicator_label(name),
                required=False,
                initial=default.higher_means_more_need,
            )

    def weight_rows(self):
        return [(self[f"w_{name}"], self[f"up_{name}"]) for name in self.indicator_names]

    def weights(self):
        data = self.cleaned_data
        return {
            name: services.Weight(data[f"w_{name}"], data[f"up_{name}"])
            for name in self.indicator_names
        }

    def check_weights(self):
        if all(self.cleaned_data.get(f"w_{n}") == 0 for n in self.indicator_names):
            raise forms.ValidationError(
                _("Give at least one indicator a weight above 0; otherwise there is no need index.")
            )


class NeedForm(WeightsMixin, forms.Form):
    def __init__(self, *args, indicator_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_weight_fields(indicator_names)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.check_weights()
        return cleaned


class ScenarioForm(WeightsMixin, forms.Form):
    # Filled in when the form is shown; optional, so a form posted without one still saves.
    # A plain Field: every malformed token gets the one message of clean_submission.
    submission = forms.Field(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Scenario name"), max_length=120)
    model = forms.ChoiceField(
        label=_("Model"),
        choices=Scenario.Model.choices,
        help_text=_(
            "Maximal covering: open k sites that reach as much need as possible within the "
            "coverage distance. p-median: open k sites with the shortest need-weighted distance. "
            "Capacitated catchments: k bases, every area assigned to one, each base within its "
            "capacity."
        ),
    )
    k = forms.IntegerField(
        label=_("Number of sites or bases (k)"), min_value=1, max_value=MAX_SITES, initial=3
    )
    coverage_distance = forms.FloatField(
        label=_("Coverage distance"),
        min_value=0,
        initial=services.DEFAULT_COVERAGE_DISTANCE,
        help_text=_(
            "Metres in a straight line (or the unit of the travel-time file). Used by maximal "
            "covering, and by every model for the coverage share."
        ),
    )
    capacity = forms.FloatField(
        label=_("Capacity per base"),
        min_value=0,
        required=False,
        help_text=_(
            "Capacitated catchments only: residents per base, a multiple of the average "
            "residents per base (e.g. 1.2), or staff posts per base."
        ),
    )
    capacity_on = forms.ChoiceField(
        label=_("Capacity counts"),
        choices=[
            ("population", _("residents")),
            ("average", _("times the average residents per base")),
            ("staff", _("staff posts")),
        ],
        initial="population",
    )
    contiguous = forms.BooleanField(
        label=_("Each catchment must be contiguous (areas whose borders touch)"),
        required=False,
    )
    include_centres = forms.BooleanField(
        label=_("Existing centres and bases are candidates"), required=False, initial=True
    )
    include_sites = forms.BooleanField(
        label=_("Imported candidate sites are candidates"), required=False, initial=True
    )
    include_areas = forms.BooleanField(
        label=_("The point of every area is a candidate"), required=False, initial=True
    )
    fixed = forms.MultipleChoiceField(label=_("Keep open (fixed)"), required=False)
    excluded = forms.MultipleChoiceField(label=_("Exclude"), required=False)
    travel_matrix = forms.FileField(
        label=_("Travel-time matrix (optional CSV)"),
        required=False,
        help_text=_(
            "Columns origin,destination,value: area code, candidate id (as listed under "
            "candidate sites), minutes or metres. Without a file, straight-line metres are used."
        ),
    )
    staff_posts = forms.IntegerField(
        label=_("Staff posts in total"),
        min_value=0,
        max_value=MAX_POSTS,
        initial=6,
        required=False,
    )
    min_posts = forms.IntegerField(
        label=_("Minimum posts per centre"),
        min_value=0,
        max_value=MAX_POSTS,
        initial=1,
        required=False,
    )
    cost_per_post = forms.FloatField(
        label=_("Cost per post and year (SEK)"),
        min_value=0,
        initial=services.DEFAULT_COST_PER_POST,
    )
    cost_per_site = forms.FloatField(
        label=_("Cost per site and year (SEK)"),
        min_value=0,
        initial=services.DEFAULT_COST_PER_SITE,
    )

    def __init__(self, *args, indicator_names=(), candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c.id, f"{c.name} ({c.id})") for c in candidates]
        self.fields["fixed"].choices = choices
        self.fields["excluded"].choices = choices
        self.fields["fixed"].widget.attrs["size"] = 8
        self.fields["excluded"].widget.attrs["size"] = 8
        self.add_weight_fields(indicator_names)
        if not self.is_bound:
            self.initial["submission"] = new_submission_token()

    def clean_submission(self):
        raw = self.cleaned_data.get("submission") or ""
        if raw and not submission_token(raw):
            raise forms.ValidationError(
                _("This form could not be read as it was sent. Check it and submit it again.")
            )
        return raw

    def renew_submission_token(self):
        """Shown again after a mistake: keep a good token (nothing was saved with it), give a
        fresh one in place of a missing or malformed one."""
        if self.is_bound and not submission_token(self.data.get("submission")):
            self.data = self.data.copy()
            self.data["submission"] = new_submission_token()

    def clean_travel_matrix(self):
        upload = self.cleaned_data.get("travel_matrix")
        if not upload:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The travel-time file is larger than 20 MB."))
        try:
            return spreadsheets.decode(upload.read())[0]
        except spreadsheets.SpreadsheetError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.check_weights()
        if cleaned["model"] == Scenario.Model.CATCHMENTS and not cleaned.get("capacity"):
            self.add_error("capacity", _("Capacitated catchments need a capacity per base."))
        return cleaned

    def plan_request(self):
        data = self.cleaned_data
        upload = self.files.get("travel_matrix")
        return plans.PlanRequest(
            model=data["model"],
            k=data["k"],
            coverage_distance=data["coverage_distance"],
            capacity=data.get("capacity"),
            capacity_on=data["capacity_on"],
            contiguous=data["contiguous"],
            fixed=tuple(data["fixed"]),
            excluded=tuple(data["excluded"]),
            weights=self.weights(),
            staff_posts=data.get("staff_posts") or 0,
            min_posts=data.get("min_posts") or 0,
            cost_per_post=data["cost_per_post"],
            cost_per_site=data["cost_per_site"],
            include_centres=data["include_centres"],
            include_sites=data["include_sites"],
            include_areas=data["include_areas"],
            travel_matrix=data.get("travel_matrix"),
            travel_matrix_name=upload.name if upload else "",
            # Solved by the worker, not in the web request: the model's full default applies.
            time_limit=services.default_time_limit(data["model"]),
        )


class CandidateImportForm(forms.Form):
    file = forms.FileField(
        label=_("File with candidate sites"),
        help_text=_(
            "CSV with the columns name,lon,lat and optionally kind (WGS84 degrees), or GeoJSON "
            "points with a name property (WGS84, or EPSG:3006 declared in the crs member)."
        ),
    )
    replace = forms.BooleanField(
        label=_("Replace the sites imported before"), required=False, initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
