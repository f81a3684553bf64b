"""What a dashboard shows: its tables (the same rows on the page and in every export) and the
charts drawn from them. No Django views here (dashboard_views.py) and no figure is computed
here: the figures come from kpis*.py, this module only arranges them into tables.

A table is {"name", "title", "columns", "rows"}; a cell is a number, text, None (shown "–")
or a Percent (a rate, shown "25 %", exported as the number 25.0).
"""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from nara.core.models import AgeBand, Channel, Escalation, Gender
from nara.lib.topics import TOPIC_TITLES
from nara.workspace.words import language_name

from . import kpis, kpis_activity, kpis_equity, kpis_trends
from .models import KEY_AREA_NOT_STATED, KEY_AREA_OUTSIDE


class Percent(float):
    """A rate as a percentage (0.25 → Percent(25.0))."""


def percent(rate):
    return None if rate is None else Percent(round(100 * rate, 1))


TABLES = (
    "summary",
    "months",
    "funnel",
    "referrals",
    "bookings",
    "breakdowns",
    "equity",
    "escalations",
)


def table_titles():
    return {
        "summary": _("Key figures"),
        "months": _("Month by month, this year against last"),
        "funnel": _("Support offers: offered → accepted → started → completed"),
        "referrals": _("Referrals: made → accepted → contact made → help started"),
        "bookings": _("Bookings and no-shows, with and without a reminder"),
        "breakdowns": _("Contacts by channel, topic, age, gender, area and language"),
        "equity": _("Reach against need per area"),
        "escalations": _("Escalations"),
    }


def month_label(month):
    return date_format(month, "Y-m")


class Dashboard:
    """The tables of one dashboard for one scope (centres and filters), computed on demand
    and each once."""

    def __init__(self, *, filters, municipality, centres, area_names, today=None):
        self.filters = filters
        self.municipality = municipality
        self.centres = centres  # [{pk, name, annual_budget_sek, opened_on}] in scope
        self.area_names = area_names  # {area id: name}
        self.today = today or timezone.localdate()
        self._cache = {}

    def _once(self, name, compute):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    # Figures -------------------------------------------------------------------------------

    def contacts(self):
        return self._once("contacts", lambda: kpis.contacts(self.filters))

    def by(self, dimension):
        return self._once(dimension, lambda: kpis.contacts_by(dimension, self.filters))

    def offers(self):
        return self._once("offers", lambda: kpis.offer_funnel(self.filters))

    def bookings(self):
        return self._once("bookings", lambda: kpis.bookings(self.filters))

    def escalations(self):
        return self._once("escalations", lambda: kpis.escalations(self.filters))

    def reach(self):
        return self._once("reach", lambda: kpis.reach(self.filters))

    def referrals(self):
        return self._once("referrals", lambda: kpis_activity.referral_funnel(self.filters))

    def outreach(self):
        return self._once("outreach", lambda: kpis_activity.outreach(self.filters))

    def groups(self):
        return self._once("groups", lambda: kpis_activity.groups(self.filters))

    def first_steps(self):
        return self._once("first_steps", lambda: kpis_activity.time_to_first(self.filters))

    def years(self):
        return self._once("years", lambda: kpis_trends.this_year_and_last(self.filters))

    def equity(self):
        return self._once(
            "equity",
            lambda: (
                kpis_equity.equity(
                    self.municipality,
                    self.filters,
                    # The area breakdown's own rows, when it counts the same contacts.
                    by_area=self.by("area_id") if self.filters.area is None else None,
                )
                if self.municipality
                else []
            ),
        )

    def cost(self):
        def compute():
            by_centre = {row["value"]: row["contacts"] for row in self.by("center_id")}
            everyone_budgeted = all(c["annual_budget_sek"] for c in self.centres)
            return kpis_equity.cost(
                self.centres,
                self.filters,
                contacts_by_centre=by_centre,
                households=self.reach()["households"] if everyone_budgeted else None,
                today=self.today,
            )

        return self._once("cost", compute)

    # Tables --------------------------------------------------------------------------------

    def table(self, name):
        rows, columns = getattr(self, f"_{name}")()
        return {"name": name, "title": table_titles()[name], "columns": columns, "rows": rows}

    def tables(self):
        return {name: self.table(name) for name in TABLES}

    def _summary(self):
        c, o, b, r = self.contacts(), self.offers(), self.bookings(), self.reach()
        steps, cost = self.first_steps(), self.cost()
        outreach, groups = self.outreach(), self.groups()
        incomplete = "" if r["complete"] else _("incomplete: the period reaches into purged months")
        rows = [
            (_("Contacts"), c["contacts"], ""),
            (_("First-time visitors"), c["first_contacts"], ""),
            (_("Share of first-time visitors"), percent(c["first_contact_share"]), ""),
            (
                _("Share previously unknown to social services"),
                percent(c["previously_unknown_share"]),
                _("of the contacts where it was stated; %(n)s not stated")
                % {"n": c["previously_known_not_stated"]},
            ),
            (_("Contacts with an interpreter"), c["interpreter_used"], ""),
            (_("Unique people reached"), r["people"], incomplete),
            (_("Unique households reached"), r["households"], incomplete),
            (_("Unique aliases reached"), r["aliases"], incomplete),
            (_("Support offers"), o["offered"], ""),
            (_("Acceptance rate"), percent(o["acceptance_rate"]), _("accepted / decided")),
            (_("Completion rate"), percent(o["completion_rate"]), _("completed / ended")),
            (_("Bookings"), b["booked"], ""),
            (_("No-show rate"), percent(b["no_show_rate"]), _("no-shows / (attended + no-shows)")),
            (_("Escalations"), self.escalations()["escalations"], ""),
            (_("People followed from a first contact"), steps["followed"], ""),
            (
                _("Average days from first contact to first offer"),
                steps["offer"]["average_days"],
                _("%(n)s had an offer, %(quick)s within 14 days")
                % {"n": steps["offer"]["reached"], "quick": steps["offer"]["within_14_days"]},
            ),
            (
                _("Average days from first contact to first meeting"),
                steps["meeting"]["average_days"],
                _("%(n)s had a meeting, %(quick)s within 14 days")
                % {"n": steps["meeting"]["reached"], "quick": steps["meeting"]["within_14_days"]},
            ),
            (_("Outreach shifts"), outreach["shifts"], _("%(h)s hours") % {"h": outreach["hours"]}),
            (_("People met in outreach"), outreach["people_met"], ""),
            (_("Group sessions held"), groups["sessions"], ""),
            (_("Group attendance"), groups["attendance"], _("people at a session, summed")),
            (_("Budget for the period (SEK)"), cost["budget"], self._budget_note(cost)),
            (_("Cost per contact (SEK)"), cost["per_contact"], ""),
            (_("Cost per household reached (SEK)"), cost["per_household"], ""),
        ]
        return rows, [_("Figure"), _("Value"), _("Note")]

    def _budget_note(self, cost):
        if cost["budget"] is None:
            return _("no budget set")
        if cost["missing"]:
            return _("left out, no budget set: %(names)s") % {"names": ", ".join(cost["missing"])}
        return ""

    def _months(self):
        this, last = self.years()
        rows = [
            (
                month_label(now["month"]),
                now["contacts"],
                before["contacts"],
                now["first_contacts"],
                now["offered"],
                now["accepted"],
                now["booked"],
                now["no_show"],
                percent(now["no_show_rate"]),
                percent(before["no_show_rate"]),
                now["escalations"],
            )
            for now, before in zip(this, last, strict=True)
        ]
        columns = [
            _("Month"),
            _("Contacts"),
            _("Contacts a year earlier"),
            _("First-time visitors"),
            _("Offers"),
            _("Accepted"),
            _("Bookings"),
            _("No-shows"),
            _("No-show rate"),
            _("No-show rate a year earlier"),
            _("Escalations"),
        ]
        return rows, columns

    def funnel_steps(self):
        o = self.offers()
        return [
            (_("Offered"), o["offered"]),
            (_("Accepted"), o["accepted"]),
            (_("Started"), o["started"]),
            (_("Completed"), o["completed"]),
        ]

    def _funnel(self):
        o = self.offers()
        rows = [(name, n, percent(kpis.rate(n, o["offered"]))) for name, n in self.funnel_steps()]
        rows += [
            (_("Declined"), o["declined"], percent(kpis.rate(o["declined"], o["offered"]))),
            (_("Undecided"), o["undecided"], percent(kpis.rate(o["undecided"], o["offered"]))),
        ]
        return rows, [_("Step"), _("Offers"), _("Share of offers")]

    def _referrals(self):
        r = self.referrals()
        steps = [
            ("made", _("Made")),
            ("accepted", _("Accepted")),
            ("contact_made", _("Contact made")),
            ("help_started", _("Help started")),
        ]
        rows = [(label, r["outgoing"][k], r["incoming"][k]) for k, label in steps]
        return rows, [_("Step"), _("To a partner"), _("From a partner")]

    def _bookings(self):
        b = self.bookings()
        parts = (b, b["with_reminder"], b["without_reminder"])
        labels = [
            ("booked", _("Booked")),
            ("attended", _("Attended")),
            ("no_show", _("No-shows")),
            ("cancelled", _("Cancelled")),
            ("open", _("Not yet marked")),
        ]
        rows = [(label, *(p[k] for p in parts)) for k, label in labels]
        rows.append((_("No-show rate"), *(percent(p["no_show_rate"]) for p in parts)))
        return rows, [_("Bookings"), _("All"), _("With a reminder"), _("Without a reminder")]

    def _breakdowns(self):
        c = self.contacts()
        names = {
            "channel": (_("Channel"), dict(Channel.choices)),
            "topic": (_("Topic"), TOPIC_TITLES),
            "age_band": (_("Age"), dict(AgeBand.choices)),
            "area_id": (_("Area"), self._area_labels()),
            "language": (_("Language"), None),
        }
        rows = []
        for dimension, (label, words) in names.items():
            for row in self.by(dimension):
                value = row["value"]
                if words is None:
                    shown = language_name(value) if value else _("not stated")
                else:
                    shown = str(words.get(value, value))
                rows.append((label, shown, row["contacts"]))
        genders = dict(Gender.choices)
        for key, n in (
            ("female", c["gender"]["female"]),
            ("male", c["gender"]["male"]),
            ("other", c["gender"]["other"]),
            ("not_stated", c["gender"]["not_stated"]),
        ):
            rows.append((_("Gender"), str(genders[key]), n))
        rows.append((_("Interpreter"), _("interpreter used"), c["interpreter_used"]))
        return rows, [_("Breakdown"), _("Value"), _("Contacts")]

    def _area_labels(self):
        return {
            **self.area_names,
            KEY_AREA_NOT_STATED: _("not stated"),
            KEY_AREA_OUTSIDE: _("outside the catchment"),
        }

    def _equity(self):
        rows = [
            (
                e["area"],
                e["centre"],
                e["residents"],
                e["need"],
                e["contacts"],
                e["per_1000"],
                e["first_contacts"],
                e["first_per_1000"],
            )
            for e in self.equity()
        ]
        columns = [
            _("Area"),
            _("Centre"),
            _("Residents"),
            _("Need index"),
            _("Contacts"),
            _("Contacts per 1,000 residents"),
            _("First-time visitors"),
            _("First-time visitors per 1,000 residents"),
        ]
        return rows, columns

    def _escalations(self):
        e = self.escalations()
        kinds, reasons = dict(Escalation.Kind.choices), dict(Escalation.Reason.choices)
        rows = [(_("Kind"), str(kinds.get(k, k)), n) for k, n in e["by_kind"].items()]
        rows += [(_("Reason"), str(reasons.get(k, k)), n) for k, n in e["by_reason"].items()]
        return rows, [_("Breakdown"), _("Value"), _("Escalations")]

    # Charts --------------------------------------------------------------------------------

    def charts(self):
        """{name: (kind, data)} for charts.render_many."""
        equity = self.equity()
        result = {"months": self.trend_chart(), "funnel": self.funnel_chart()}
        if equity:
            result["map"] = (
                "choropleth",
                {
                    "title": _("Contacts per 1,000 residents"),
                    "desc": _(
                        "A map of the areas shaded by contacts per 1,000 residents; "
                        "the numbers are in the table below."
                    ),
                    "areas": [(e["area"], e["area_id"], e["per_1000"]) for e in equity],
                    "legend": {"title": _("per 1,000"), "none": _("no residents")},
                    "geometry_version": max(str(e["updated_at"]) for e in equity),
                },
            )
            result["scatter"] = (
                "scatter",
                {
                    "title": _("Reach against need"),
                    "desc": _(
                        "Each area's need index against its contacts per 1,000 residents; "
                        "the numbers are in the table below."
                    ),
                    "points": [(e["area"], e["need"], e["per_1000"]) for e in equity],
                    "x_label": _("Need index"),
                    "y_label": _("Contacts per 1,000 residents"),
                },
            )
        return result

    def trend_chart(self, names=None):
        """Contacts month by month against the same months a year earlier; `names`: the two
        lines' names (default: the years)."""
        this, last = self.years()
        year = self.filters.end.year
        now, before = names or (str(year), str(year - 1))
        return (
            "line",
            {
                "title": _("Contacts per month"),
                "desc": _(
                    "Contacts per month, this period against the same months a year earlier; "
                    "the numbers are in the table below."
                ),
                "labels": [month_label(row["month"]) for row in this],
                "series": [
                    (str(now), [row["contacts"] for row in this]),
                    (str(before), [row["contacts"] for row in last]),
                ],
            },
        )

    def funnel_chart(self):
        return (
            "funnel",
            {
                "title": _("Support offers"),
                "desc": _("From offered to completed; the numbers are in the table below."),
                "steps": self.funnel_steps(),
            },
        )


def default_period(today=None):
    """This year to date: January to the current month."""
    today = today or dt.date.today()
    return today.replace(month=1, day=1), today.replace(day=1)
