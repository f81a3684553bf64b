"""Equity (reach against need per area) and cost (budget per contact and per household).

**Equity.** Per area of the municipality, of the one kind its catchments use (DeSO or RegSO:
never both, they hold the same residents): residents (Area.population), the need index the
planning app computes with its default weights (nara.planning.services.compute_need; None when
the areas have no indicators), the contacts of residents of the area (contacts that state the
area, from the contact rollup) and the first-time visitors among them, each per 1,000
residents. Contacts, not unique people, because most contacts in a low-threshold service are
anonymous and would be missing from a count of people; first-time visitors per 1,000 is the
closest to "new people reached". The centre whose catchment (current layer of social centres)
holds the area is named beside it.

**Cost.** A centre's annual budget (Centre.annual_budget_sek) prorated to the months of the
period it was open (from the month of `opened_on`; months after the current one are not
counted), divided by the contacts and by the households reached at the centres that have a
budget. Centres without a budget are left out and named; none with a budget → no cost.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from .db import reporting_alias
from .kpis import Filters, contacts_by, rate, reach
from .kpis_trends import months_between
from .rollups import month_of

NEED_CACHE_SECONDS = 600
EVERYTHING = Filters()


def _need_fingerprint(municipality):
    from nara.core.models import Area, AreaIndicator

    alias = reporting_alias()
    areas = Area.objects.using(alias).filter(municipality=municipality)
    indicators = AreaIndicator.objects.using(alias).filter(area__municipality=municipality)
    a = areas.aggregate(n=Count("pk"), changed=Max("updated_at"))
    i = indicators.aggregate(n=Count("pk"), last=Max("pk"), total=Sum("value"))
    return f"{municipality.pk}:{a['n']}:{a['changed']}:{i['n']}:{i['last']}:{i['total']}"


def need_index(municipality):
    """{area id: need index} from the planning app's need index with its default weights
    ({} when there are no indicators). Cached until the areas or indicators change."""
    fingerprint = _need_fingerprint(municipality).encode()
    key = f"nara-need-{hashlib.sha256(fingerprint).hexdigest()[:40]}"
    found = cache.get(key)
    if found is None:
        from nara.planning.services import PlanInputError, compute_need

        try:
            need = compute_need(municipality)
            found = {
                area_id: round(float(value), 3)
                for area_id, value in zip(need.areas.ids, need.index.index, strict=True)
            }
        except PlanInputError:
            found = {}
        cache.set(key, found, NEED_CACHE_SECONDS)
    return found


def equity_areas(municipality, *, centre_ids=None, area_id=None):
    """The areas equity is shown for: of the kind in use, within the given centres' catchments
    (None: all), or the one area."""
    from nara.core.models import Area, CatchmentMembership
    from nara.core.queries import area_kind_in_use

    alias = reporting_alias()
    rows = Area.objects.using(alias).filter(
        municipality=municipality, kind=area_kind_in_use(municipality)
    )
    if area_id is not None:
        rows = rows.filter(pk=area_id)
    layer = CatchmentMembership.Layer.CENTRES
    if centre_ids is not None:
        rows = rows.filter(catchments__center_id__in=list(centre_ids), catchments__layer=layer)
    served = dict(
        CatchmentMembership.objects.using(alias)
        .filter(layer=layer, area__in=rows)
        .values_list("area_id", "center__name")
    )
    return [
        {**row, "centre": served.get(row["pk"], "")}
        for row in rows.order_by("name").values("pk", "name", "population", "updated_at")
    ]


def equity(municipality, filters=EVERYTHING, *, area_filter=None, by_area=None):
    """[{area, area_id, centre, residents, need, contacts, per_1000, first_contacts,
    first_per_1000}] per area; `filters.centers` limits both the areas (their catchments) and
    the contacts counted. `by_area`: kpis.contacts_by("area_id") under the same filters
    without an area, when the caller has it already."""
    areas = equity_areas(
        municipality,
        centre_ids=filters.centers,
        area_id=area_filter if area_filter is not None else filters.area,
    )
    if by_area is None:
        by_area = contacts_by("area_id", Filters(**{**filters.__dict__, "area": None}))
    # Every area's row, then the ones shown: a few hundred grouped rows at most.
    by_area = {row["value"]: row for row in by_area}
    need = need_index(municipality) if areas else {}
    result = []
    for area in areas:
        row = by_area.get(area["pk"], {})
        residents = area["population"] or 0
        contacts, first = int(row.get("contacts") or 0), int(row.get("first_contacts") or 0)
        result.append(
            {
                "area_id": area["pk"],
                "area": area["name"],
                "centre": area["centre"],
                "residents": area["population"],
                "need": need.get(area["pk"]),
                "contacts": contacts,
                "per_1000": _per_1000(contacts, residents),
                "first_contacts": first,
                "first_per_1000": _per_1000(first, residents),
                "updated_at": area["updated_at"],
            }
        )
    return result


def _per_1000(n, residents):
    value = rate(1000 * n, residents)
    return round(value, 1) if value is not None else None


# Cost --------------------------------------------------------------------------------------


def open_months(centre, filters, today):
    """Months of the period the centre was open, up to the current month."""
    first = month_of(filters.start)
    if centre["opened_on"]:
        first = max(first, month_of(centre["opened_on"]))
    last = min(month_of(filters.end), month_of(today))
    return len(months_between(first, last)) if first <= last else 0


def cost(centres, filters, *, contacts_by_centre, households=None, today):
    """centres: [{pk, name, annual_budget_sek, opened_on}] in scope; contacts_by_centre:
    {centre id: contacts in the period}; households: households reached at all these centres
    (reused when every centre has a budget, otherwise counted again for those with one)."""
    budgeted = [c for c in centres if c["annual_budget_sek"]]
    missing = [c["name"] for c in centres if not c["annual_budget_sek"]]
    if not budgeted:
        return {"budget": None, "per_contact": None, "per_household": None, "missing": missing}
    budget = sum(c["annual_budget_sek"] * open_months(c, filters, today) / 12 for c in budgeted)
    contacts = sum(contacts_by_centre.get(c["pk"], 0) for c in budgeted)
    if missing or households is None:
        scoped = Filters(**{**filters.__dict__, "centers": tuple(c["pk"] for c in budgeted)})
        households = reach(scoped)["households"]
    return {
        "budget": round(budget),
        "per_contact": _kronor(rate(budget, contacts)),
        "per_household": _kronor(rate(budget, households)),
        "contacts": contacts,
        "households": households,
        "missing": missing,
    }


def _kronor(value):
    return round(value) if value is not None else None
