"""The insights dashboards: the municipality, one centre, one area; their exports (CSV, XLSX)
and the Kolada long-format file.

Who sees what: centre managers see their own centres' figures only (another centre's dashboard
answers 403 as the other centre pages do, a centre that does not exist 404); analysts and
administrators see every centre. Every figure is an aggregate: no person appears here.
Filters come as GET parameters through FilterForm; a bad value gives a message and the
dashboard of the default filters (never a 500, and nothing is written).
"""

import datetime as dt
import re
from html import escape as quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.core import access
from nara.core.models import AgeBand, Area, CatchmentMembership, Center, Channel, Role
from nara.core.queries import area_kind_in_use
from nara.lib import exports
from nara.lib.topics import TOPIC_CHOICES
from nara.lib.widgets import QuickSelect
from nara.lib.years import EARLIEST_YEAR, LATEST_YEAR, parse_year
from nara.workspace.decorators import staff_view

from . import charts, kolada
from .dashboard import TABLES, Dashboard, Percent, default_period, table_titles
from .kpis import Filters
from .kpis_trends import months_between
from .models import KEY_AREA_NOT_STATED, KEY_AREA_OUTSIDE
from .templatetags.insights import figure_writer, is_number

READERS = (Role.ADMINISTRATOR, Role.ANALYST, Role.CENTRE_MANAGER)
LONGEST_PERIOD_MONTHS = 60


def sees_every_centre(user):
    return access.has_role(user, Role.ADMINISTRATOR, Role.ANALYST)


def scope_centres(user):
    """The centres whose figures the user may read."""
    if sees_every_centre(user):
        return Center.objects.all()
    return access.manageable_centres(user)


def get_dashboard_centre(user, pk):
    centre = Center.objects.filter(pk=pk).first()
    if centre is None:
        raise Http404
    if not scope_centres(user).filter(pk=pk).exists():
        raise PermissionDenied
    return centre


def get_dashboard_area(user, pk):
    """An area, if the user sees every centre or one of their centres serves it."""
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise Http404
    if not sees_every_centre(user):
        served = CatchmentMembership.objects.filter(area=area, center__in=scope_centres(user))
        if not served.exists():
            raise PermissionDenied
    return area


# The filter form ---------------------------------------------------------------------------


class MonthField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": gettext_lazy("Write a month as year-month, e.g. 2026-03.")}

    def to_python(self, value):
        # Exactly "YYYY-MM", nothing stripped (a DateField would take " 2026-03"); the year
        # read as every ?year= is (nara.lib.years).
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if parse_year(value[:4]) is None:
            raise forms.ValidationError(
                gettext_lazy("Choose a month between %(first)s and %(last)s.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return super().to_python(value)


def _blank(label):
    return [("", label)]


class FilterForm(forms.Form):
    municipality = forms.TypedChoiceField(
        label=gettext_lazy("Municipality"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the municipalities your centres are in.")
        },
    )
    start = MonthField(label=gettext_lazy("From month"), required=False)
    end = MonthField(label=gettext_lazy("To month"), required=False)
    centre = forms.TypedChoiceField(
        label=gettext_lazy("Centre"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    area = forms.TypedChoiceField(
        label=gettext_lazy("Area"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), required=False, widget=QuickSelect)
    age_band = forms.ChoiceField(label=gettext_lazy("Age"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False, widget=QuickSelect)

    def __init__(self, data, *, centres, areas, municipalities=(), chosen=None, fixed=()):
        """`municipalities`: [(pk, name)] of the user's centres, `chosen` the one shown (its
        centres are `centres`, its areas `areas`)."""
        super().__init__(data)
        everyone = _("all")
        self.fields["municipality"].choices = list(municipalities)
        self.fields["municipality"].initial = chosen
        if len(municipalities) < 2:  # nothing to choose: not shown, still checked
            self.fields["municipality"].widget = forms.HiddenInput()
        self.fields["centre"].choices = _blank(everyone) + [(c["pk"], c["name"]) for c in centres]
        self.fields["area"].choices = (
            _blank(everyone)
            + [(pk, name) for pk, name in areas.items()]
            + [
                (KEY_AREA_NOT_STATED, _("not stated")),
                (KEY_AREA_OUTSIDE, _("outside the catchment")),
            ]
        )
        self.fields["topic"].choices = _blank(everyone) + list(TOPIC_CHOICES)
        self.fields["age_band"].choices = _blank(everyone) + list(AgeBand.choices)
        self.fields["channel"].choices = _blank(everyone) + list(Channel.choices)
        for name in fixed:  # the centre of a centre's dashboard, the area of an area's
            del self.fields[name]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The last month comes before the first."))
            if len(months_between(start, end)) > LONGEST_PERIOD_MONTHS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(n)s months.") % {"n": LONGEST_PERIOD_MONTHS}
                )
        return data


def _period(data, today, default=default_period):
    first, last = default(today)
    start, end = data.get("start"), data.get("end")
    if start and not end:
        end = max(start, last) if start <= last else start
        if len(months_between(start, end)) > LONGEST_PERIOD_MONTHS:
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
    if end and not start:
        start = end.replace(month=1)
    return start or first, end or last


class Scope:
    """Who is asking, about what, with which filters: everything a dashboard, an export or the
    Kolada file needs, worked out once from the request."""

    def __init__(self, request, *, centre=None, area=None, params=None, default=default_period):
        """`params`: the filter parameters when not all of request.GET (the committee report
        takes only the period); `default`: today → the period shown when none is given."""
        self.request, self.centre, self.area = request, centre, area
        params = request.GET if params is None else params
        user = request.user
        visible = scope_centres(user)
        self.centres = list(
            visible.order_by("name").values(
                "pk", "name", "annual_budget_sek", "opened_on", "municipality_id"
            )
        )
        self.municipalities = self._municipalities()
        self.municipality = self._municipality(params)
        self.chose_municipality = centre is None and area is None
        self.area_names = self._area_names(visible, user)
        fixed = (["centre"] if centre else []) + (["area"] if area else [])
        if not self.chose_municipality:  # a centre's or an area's own municipality
            fixed.append("municipality")
        elif params and not params.get("municipality") and self.municipality is not None:
            # Not asked (or only a centre asked, which brings its municipality along): the
            # drop-down shows the one the figures are of.
            params = params.copy()
            params["municipality"] = str(self.municipality.pk)
        here = self.municipality.pk if self.municipality else None
        self.local_centres = [c for c in self.centres if c["municipality_id"] == here]
        self.form = FilterForm(
            params or None,
            centres=self.local_centres if self.chose_municipality else self.centres,
            areas=self.area_names,
            municipalities=self.municipalities,
            chosen=here,
            fixed=fixed,
        )
        self.today = timezone.localdate()
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        self.invalid = self.form.is_bound and not self.form.is_valid()
        start, end = _period(data, self.today, default)
        chosen = centre.pk if centre else data.get("centre")
        if chosen:
            ids = (chosen,) if any(c["pk"] == chosen for c in self.centres) else ()
        elif self.chose_municipality and len(self.municipalities) > 1:
            ids = tuple(c["pk"] for c in self.local_centres)  # the chosen municipality's only
        else:
            ids = None if sees_every_centre(user) else tuple(c["pk"] for c in self.centres)
        self.in_scope = [c for c in self.centres if ids is None or c["pk"] in ids]
        self.filters = Filters(
            start=start,
            end=end,
            centers=ids,
            area=area.pk if area else data.get("area"),
            topic=data.get("topic") or None,
            age_band=data.get("age_band") or None,
            channel=data.get("channel") or None,
        )
        self.dashboard = Dashboard(
            filters=self.filters,
            municipality=self.municipality,
            centres=self.in_scope,
            area_names=self.area_names,
            today=self.today,
        )

    def _municipalities(self):
        """[(pk, name)] of the municipalities of the user's centres, in alphabetical order."""
        from nara.core.models import Municipality

        ids = {c["municipality_id"] for c in self.centres}
        return list(
            Municipality.objects.filter(pk__in=ids).order_by("name", "pk").values_list("pk", "name")
        )

    def _municipality(self, params):
        """The municipality whose figures are shown: a centre's or an area's own; else the one
        asked for, when it is one of the user's (the form refuses any other); else that of the
        centre asked for; else the first of the user's in the alphabet (None: no centres)."""
        from nara.core.models import Municipality

        wanted = self.centre.municipality_id if self.centre else None
        if self.area is not None:
            wanted = self.area.municipality_id
        if wanted is None:
            mine = {pk for pk, _name in self.municipalities}
            by_centre = {str(c["pk"]): c["municipality_id"] for c in self.centres}
            asked = params.get("municipality") if params else None
            centre = params.get("centre") if params else None
            if asked:
                wanted = int(asked) if asked.isascii() and asked.isdigit() else None
                if wanted not in mine:
                    wanted = None
            elif centre in by_centre:
                wanted = by_centre[centre]
        if wanted is None and self.municipalities:
            wanted = self.municipalities[0][0]
        return Municipality.objects.filter(pk=wanted).first() if wanted else None

    def municipality_note(self):
        """Which municipality the figures are of, and why when it was not chosen."""
        if self.municipality is None:
            return ""
        note = _("Municipality: %(name)s.") % {"name": self.municipality.name}
        asked = self.request.GET.get("municipality") or self.request.GET.get("centre")
        if self.chose_municipality and len(self.municipalities) > 1 and not asked:
            note += " " + _(
                "Your centres are in %(n)s municipalities; this one is shown as it comes first "
                "in alphabetical order. Choose another under Municipality."
            ) % {"n": len(self.municipalities)}
        return note

    def _area_names(self, visible, user):
        if self.municipality is None:
            return {}
        areas = Area.objects.filter(
            municipality=self.municipality, kind=area_kind_in_use(self.municipality)
        )
        if not sees_every_centre(user):
            areas = areas.filter(catchments__center__in=visible).distinct()
        return dict(areas.order_by("name").values_list("pk", "name"))

    def complain(self):
        """A bad filter: one message naming what was wrong; the default figures are shown."""
        if not self.invalid:
            return
        problems = [
            f"{self.form.fields[name].label}: {' '.join(errors)}"
            if name in self.form.fields
            else " ".join(errors)
            for name, errors in self.form.errors.items()
        ]
        messages.error(
            self.request,
            _("Some filters could not be used, so they were left out: %(problems)s")
            % {"problems": "; ".join(problems)},
        )

    def query(self, **extra):
        """The current filters (those that were valid) as a query string, for the exports."""
        params = QueryDict(mutable=True)
        if not self.invalid:
            for key in FilterForm.base_fields:
                if self.request.GET.get(key):
                    params[key] = self.request.GET[key]
        if self.centre:
            params["centre"] = self.centre.pk
        if self.area:
            params["area"] = self.area.pk
        if self.chose_municipality and self.municipality is not None:
            params["municipality"] = self.municipality.pk  # the one shown, asked for or not
        params.update(extra)
        return params.urlencode()


def _not_applied(dashboard, filters):
    """{figure title: [filter labels]} for the figures that could not take a given filter."""
    labels = {
        "area": _("area"),
        "topic": _("topic"),
        "age_band": _("age"),
        "channel": _("channel"),
    }
    figures = {
        _("Bookings"): dashboard.bookings()["not_filtered_by"],
        _("Escalations"): dashboard.escalations()["not_filtered_by"],
        _("Referrals"): dashboard.referrals()["not_filtered_by"],
        _("Outreach"): dashboard.outreach()["not_filtered_by"],
        _("Groups"): dashboard.groups()["not_filtered_by"],
    }
    return {name: [labels[c] for c in cuts] for name, cuts in figures.items() if cuts}


def _report_query(scope):
    """The committee report of the same centre (or all of them); of the same period when one
    was chosen (the report's own default is the last twelve whole months)."""
    params = QueryDict(mutable=True)
    if scope.centre:
        params["centre"] = scope.centre.pk
    elif len(scope.municipalities) > 1 and scope.municipality is not None:
        mine = {pk for pk, _name in scope.municipalities}  # an area's may be none of them
        if scope.municipality.pk in mine:
            params["municipality"] = scope.municipality.pk
    if not scope.invalid and (scope.request.GET.get("start") or scope.request.GET.get("end")):
        params["start"] = f"{scope.filters.start:%Y-%m}"
        params["end"] = f"{scope.filters.end:%Y-%m}"
    return params.urlencode()


def _table_body(table):
    """The table's rows as HTML: the first cell a row heading (linked when the table has
    links), every other cell labelled with its column for the stacked phone layout. Written
    here with every value escaped, not in the template: a city's area tables have hundreds of
    rows, and the template language spent longer on them than the database on the figures."""
    links = table.get("links") or ()
    labels = [quote(str(label)) for label in table["columns"][1:]]
    figure = figure_writer()
    lines = []
    for index, row in enumerate(table["rows"]):
        head = quote(str(figure(row[0])))
        link = links[index] if index < len(links) else None
        if link:
            head = f'<a href="{quote(link)}">{head}</a>'
        cells = "".join(
            f'<td data-label="{label}"{NUMBER if is_number(cell) else ""}>'
            f"{quote(str(figure(cell)))}</td>"
            for label, cell in zip(labels, row[1:], strict=True)
        )
        lines.append(f'<tr><th scope="row">{head}</th>{cells}</tr>')
    return mark_safe("\n".join(lines))  # noqa: S308 (every value is escaped above)


NUMBER = ' class="num"'
AREA_ID_MARK = 987654321  # stands for the area id in a reversed address


def _page(request, scope, *, heading, template="insights/dashboard.html"):
    scope.complain()
    dashboard = scope.dashboard
    tables = dashboard.tables()
    drawn = charts.render_many(dashboard.charts())
    sections = [
        {"table": tables["summary"], "chart": None},
        {"table": tables["months"], "chart": drawn.get("months")},
        {"table": tables["funnel"], "chart": drawn.get("funnel")},
        {"table": tables["bookings"], "chart": None},
        {"table": tables["referrals"], "chart": None},
        {"table": tables["equity"], "chart": drawn.get("map"), "chart2": drawn.get("scatter")},
        {"table": tables["breakdowns"], "chart": None},
        {"table": tables["escalations"], "chart": None},
    ]
    # One reverse() for every area's link: the address differs only by the id.
    area_link = reverse("workspace:insights-area", args=[AREA_ID_MARK])
    tables["equity"]["links"] = [
        area_link.replace(str(AREA_ID_MARK), str(row["area_id"])) for row in dashboard.equity()
    ]
    for section in sections:
        name = section["table"]["name"]
        section["body"] = _table_body(section["table"])
        section["csv"] = "?" + scope.query(table=name, format="csv")
        section["xlsx"] = "?" + scope.query(table=name, format="xlsx")
    context = {
        "heading": heading,
        "scope": scope,
        "municipality_note": scope.municipality_note(),
        "form": scope.form,
        "filters": scope.filters,
        "sections": sections,
        "not_applied": _not_applied(dashboard, scope.filters),
        "kolada": "?" + scope.query(),
        "report": reverse("workspace:insights-report") + "?" + _report_query(scope),
        "centres": scope.centres,
        "can_see_no_shows": access.has_role(request.user, Role.ADMINISTRATOR, Role.CENTRE_MANAGER),
    }
    return render(request, template, context)


@staff_view(*READERS)
def insights(request):
    scope = Scope(request)
    heading = _("Insights: the whole municipality")
    if not sees_every_centre(request.user):
        heading = _("Insights: your centres")
    return _page(request, scope, heading=heading)


@staff_view(*READERS)
def insights_centre(request, pk):
    centre = get_dashboard_centre(request.user, pk)
    return _page(
        request, Scope(request, centre=centre), heading=_("Insights: %(name)s") % {"name": centre}
    )


@staff_view(*READERS)
def insights_area(request, pk):
    area = get_dashboard_area(request.user, pk)
    return _page(
        request, Scope(request, area=area), heading=_("Insights: %(name)s") % {"name": area}
    )


# Exports -----------------------------------------------------------------------------------


def _plain(value):
    return float(value) if isinstance(value, Percent) else value


def _download(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view(*READERS)
def insights_export(request):
    """One dashboard table as CSV or XLSX, under the same filters (a centre or an area as the
    dashboards take them); rates as percentages."""
    table_name = request.GET.get("table") or "summary"
    file_format = request.GET.get("format") or "csv"
    if table_name not in TABLES or file_format not in ("csv", "xlsx"):
        return HttpResponse(
            _("Choose a table (%(tables)s) and a format (csv or xlsx).")
            % {"tables": ", ".join(TABLES)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    scope = Scope(request)
    if scope.invalid:
        return HttpResponse(
            _("Some filters could not be used; correct them on the dashboard."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    table = scope.dashboard.table(table_name)
    rows = [table["columns"]] + [[_plain(v) for v in row] for row in table["rows"]]
    stem = f"nara-{table_name}-{scope.filters.start:%Y-%m}-{scope.filters.end:%Y-%m}"
    if file_format == "csv":
        return _download(exports.to_csv(rows), f"{stem}.csv", "text/csv; charset=utf-8")
    sheet = re.sub(r"[\[\]:*?/\\]", " ", table_titles()[table_name])[:31]
    content = exports.to_xlsx([(sheet, rows)])
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(content, f"{stem}.xlsx", xlsx)


@staff_view(*READERS)
def insights_kolada(request):
    """The Kolada long format (kpi, municipality, period, gender, value) for the same filters."""
    scope = Scope(request)
    if scope.invalid:
        return HttpResponse(
            _("Some filters could not be used; correct them on the dashboard."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    code = scope.municipality.code if scope.municipality else ""
    rows = [kolada.COLUMNS] + kolada.rows(code, scope.filters)
    return _download(exports.to_csv(rows), "nara-kolada.csv", "text/csv; charset=utf-8")
