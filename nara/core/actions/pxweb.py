"""Joining SCB PxWeb tables to a municipality's areas; dissolving DeSOs into RegSOs; names.

Region codes are joined without the division suffix: SCB's `0581R001_RegSO2025` is the area
`0581R001` (the code in SCB's DeSO/RegSO files and in the `regso` property of DeSO GeoJSON).
"""

from collections import defaultdict
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from shapely.geometry import mapping, shape

from nara.core import audit
from nara.core.actions.areas import ImportFailed
from nara.core.models import Area, AreaIndicator
from nara.lib import pxweb
from nara.lib.geometry import WGS84, GeometryError, to_wgs84
from nara.lib.spreadsheets import SpreadsheetError, parse_number, read_table


@dataclass
class AreaChange:
    code: str
    name: str
    fields: dict  # field → (old, new)


@dataclass
class PxWebPlan:
    kind: str
    year: str
    changes: list = field(default_factory=list)
    created: list = field(default_factory=list)  # codes of areas built by dissolving
    renamed: list = field(default_factory=list)  # (code, old name, new name)
    warnings: list = field(default_factory=list)
    ignored_regions: int = 0
    names: dict = field(default_factory=dict)  # code → readable name from the table or file
    inherited: int = 0  # finer areas that took an indicator value from their parent


@dataclass
class PxWebOptions:
    kind: str | None = None
    year: str | None = None
    indicator: str | None = None  # import the table's value as this indicator
    select: dict = field(default_factory=dict)  # dimension → value code, for other dimensions
    source: str = ""
    dissolve_from: str | None = None  # e.g. "deso": build the table's areas from these
    names: bytes | None = None  # a CSV with the columns code,name


def do_import_pxweb(*, actor, municipality, table, options, dry_run=False, client_address=None):
    """Plan the import of a PxTable and, unless ``dry_run``, apply it. All or nothing."""
    cells = _cells_of_municipality(table, municipality)
    plan = PxWebPlan(kind=_kind(cells, options), year=_year(cells, options))
    plan.ignored_regions = len({c.keys["region"] for c in table.cells}) - len(
        {c.keys["region"] for c in cells}
    )
    cells = [c for c in cells if c.keys.get("time", plan.year) == plan.year]
    cells = _selected(cells, options)
    with transaction.atomic():
        if options.dissolve_from:
            plan.created = dissolve(municipality, options.dissolve_from, plan.kind)
        areas = {a.code: a for a in municipality.areas.filter(kind=plan.kind)}
        names = plan.names = _names(table, cells, options)
        by_region = _by_region(cells, areas, plan)
        if options.indicator:
            _plan_indicator(plan, by_region, areas, options)
        else:
            _plan_population(plan, by_region, areas)
        _plan_names(plan, municipality, areas, names)
        _apply(plan, municipality, areas, options, table)
        if dry_run:
            transaction.set_rollback(True)
            return plan
        audit.record(
            actor=actor,
            action="areas.import_pxweb",
            obj=municipality,
            changes={
                "kind": plan.kind,
                "year": plan.year,
                "areas_changed": len(plan.changes),
                "areas_built": len(plan.created),
                "renamed": len(plan.renamed),
                "indicator": options.indicator or "",
            },
            client_address=client_address,
        )
    return plan


def _cells_of_municipality(table, municipality):
    cells = [
        c
        for c in table.cells
        if "region" in c.keys
        and (pxweb.area_code(c.keys["region"]) or "").startswith(municipality.code)
    ]
    if not cells:
        raise ImportFailed(
            f"The table has no DeSO or RegSO of municipality {municipality.code} (region codes "
            "such as 0581R001_RegSO2025 or 0581C1010)."
        )
    return cells


def _kind(cells, options):
    if options.kind:
        return options.kind
    letters = {pxweb.area_code(c.keys["region"])[4] for c in cells}
    return Area.Kind.REGSO.value if letters == {"R"} else Area.Kind.DESO.value


def _year(cells, options):
    years = sorted({c.keys["time"] for c in cells if "time" in c.keys})
    if options.year:
        if years and options.year not in years:
            raise ImportFailed(f"The table has no year {options.year}; it has {', '.join(years)}.")
        return options.year
    return years[-1] if years else ""


def _selected(cells, options):
    """Keep the cells chosen by --select; every other dimension must have one value."""
    for dimension, value in options.select.items():
        key = pxweb.role(dimension)
        values = {c.keys.get(key) for c in cells}
        if value not in values:
            raise ImportFailed(
                f"Dimension {dimension!r} has no value {value!r}; it has "
                f"{', '.join(sorted(str(v) for v in values))}."
            )
        cells = [c for c in cells if c.keys.get(key) == value]
    free = {"region", "time"} | ({"age", "sex"} if not options.indicator else set())
    for key in {k for c in cells for k in c.keys} - free:
        values = sorted({str(c.keys.get(key)) for c in cells})
        if len(values) > 1:
            raise ImportFailed(
                f"Dimension {key!r} has several values ({', '.join(values[:8])}); choose one "
                f"with --select {key}=VALUE."
            )
    return cells


def _by_region(cells, areas, plan):
    grouped = defaultdict(list)
    for cell in cells:
        grouped[pxweb.area_code(cell.keys["region"])].append(cell)
    unknown = sorted(set(grouped) - set(areas))
    if unknown:
        hint = (
            " Build them from the DeSOs with --dissolve-from deso."
            if plan.kind == Area.Kind.REGSO
            else ""
        )
        raise ImportFailed(
            f"{len(unknown)} regions of the table have no area of kind {plan.kind!r}: "
            f"{', '.join(unknown[:10])}.{hint}"
        )
    without = sorted(set(areas) - set(grouped))
    if without:
        plan.warnings.append(
            f"{len(without)} areas are not in the table and keep their figures: "
            f"{', '.join(without[:10])}."
        )
    return grouped


def _value(plan, area, cell):
    name = plan.names.get(area.code, area.name)
    label = f"{area.code}" + (f" ({name})" if name != area.code else "")
    try:
        number = parse_number(cell.value)
    except ValueError:
        raise ImportFailed(f"Area {label}: the value {cell.value!r} is not a number.") from None
    if number is None:
        where = ", ".join(f"{k}={v}" for k, v in cell.keys.items() if k != "region")
        raise ImportFailed(
            f"Area {label}: the value is missing ({where}). Missing values are not read as 0; "
            "remove the area from the table or fill in the value."
        )
    return number


def _plan_population(plan, by_region, areas):
    for code, cells in sorted(by_region.items()):
        area = areas[code]
        total, children = _population(plan, area, cells)
        fields = {}
        if area.population != total:
            fields["population"] = (area.population, total)
        if children is not None and area.population_0_17 != children:
            fields["population_0_17"] = (area.population_0_17, children)
        if fields:
            plan.changes.append(AreaChange(code, area.name, fields))


def _population(plan, area, cells):
    """(residents, residents aged 0–17 or None) of one region; checks groups add up."""
    sexes = {pxweb.sex_of(c.keys["sex"]) for c in cells if "sex" in c.keys}
    if sexes and "both" in sexes:
        cells = [c for c in cells if pxweb.sex_of(c.keys["sex"]) == "both"]
    elif sexes:
        cells = [c for c in cells if pxweb.sex_of(c.keys["sex"]) in ("men", "women")]
    total, groups = 0.0, defaultdict(float)
    has_total = False
    for cell in cells:
        group = pxweb.age_group(cell.keys["age"]) if "age" in cell.keys else "total"
        if group is None:
            raise ImportFailed(f"Area {area.code}: {cell.keys['age']!r} is not an age group.")
        if group == "total":
            total += _value(plan, area, cell)
            has_total = True
        else:
            groups[group] += _value(plan, area, cell)
    if groups and has_total and round(sum(groups.values())) != round(total):
        raise ImportFailed(
            f"Area {area.code}: the age groups add up to {sum(groups.values()):.0f}, the total is "
            f"{total:.0f}. Is an age group missing, or do the groups overlap?"
        )
    if not has_total:
        total = sum(groups.values())
    children = pxweb.children_0_17(groups)[0] if groups else None
    return round(total), children


def _plan_indicator(plan, by_region, areas, options):
    existing = {
        (i.area.code): i.value
        for i in AreaIndicator.objects.filter(
            area__in=areas.values(), name=options.indicator
        ).select_related("area")
    }
    for code, cells in sorted(by_region.items()):
        if len(cells) != 1:
            raise ImportFailed(f"Area {code}: the table has {len(cells)} values; expected one.")
        value = _value(plan, areas[code], cells[0])
        if existing.get(code) != value:
            plan.changes.append(
                AreaChange(code, areas[code].name, {options.indicator: (existing.get(code), value)})
            )


def _names(table, cells, options):
    """Region code → readable name, from the table's labels and the name file."""
    names = {}
    for region, label in table.region_labels.items():
        code = pxweb.area_code(region)
        label = pxweb.REGION_RE.match(label).group(2) if pxweb.area_code(label) else label
        if code and label.strip():
            names[code] = label.strip()
    if options.names:
        names.update(read_names(options.names))
    return names


def read_names(content):
    """A name file: CSV with the columns code and name (any encoding the CSV reader takes)."""
    try:
        table = read_table(content, required=("code", "name"))
    except SpreadsheetError as exc:
        raise ImportFailed(f"Name file: {exc}") from None
    code_col, name_col = table.column("code"), table.column("name")
    names = {}
    for line_no, row in table.rows:
        code = pxweb.area_code(row[code_col]) or row[code_col]
        if not row[name_col]:
            raise ImportFailed(f"Name file, line {line_no}: area {code} has no name.")
        names[code] = row[name_col][:120]
    return names


def _plan_names(plan, municipality, areas, names):
    for code, name in sorted(names.items()):
        area = areas.get(code)
        if area is not None and area.name != name:
            plan.renamed.append((code, area.name, name))
    # Finer areas without a name of their own (named by their code) take their parent's
    # name, numbered: DeSOs in RegSO "Navestad" become "Navestad 1", "Navestad 2".
    parent_names = {code: name for code, _old, name in plan.renamed} | {
        code: a.name for code, a in areas.items() if a.name != code
    }
    children = defaultdict(list)
    finer = municipality.areas.exclude(kind=plan.kind).filter(parent_code__in=list(parent_names))
    for area in finer.order_by("code"):
        children[area.parent_code].append(area)
    for parent, members in children.items():
        for number, area in enumerate(members, start=1):
            name = parent_names[parent] + (f" {number}" if len(members) > 1 else "")
            if area.name == area.code and name != area.name:
                plan.renamed.append((area.code, area.name, name))


def _apply(plan, municipality, areas, options, table):
    source = options.source or table.source
    finer = defaultdict(list)
    if options.indicator:
        # Plans use the finest areas: a RegSO's value also goes to its DeSOs (as SCB's
        # RegSO-only statistics are used per DeSO); their residents are never copied.
        for area in municipality.areas.exclude(kind=plan.kind).filter(parent_code__in=areas):
            finer[area.parent_code].append(area)
    for change in plan.changes:
        area = areas[change.code]
        if options.indicator:
            for target in [area, *finer[change.code]]:
                suffix = f" ({plan.kind} {area.code})" if target is not area else ""
                AreaIndicator.objects.update_or_create(
                    area=target,
                    name=options.indicator,
                    defaults={
                        "value": change.fields[options.indicator][1],
                        "year": int(plan.year) if plan.year.isdigit() else None,
                        "source": (source[: 200 - len(suffix)] + suffix),
                    },
                )
            plan.inherited += len(finer[change.code])
            continue
        for name, (_old, new) in change.fields.items():
            setattr(area, name, new)
        area.save(update_fields=[*change.fields, "updated_at"])
    renamed = municipality.areas.filter(code__in=[code for code, *_ in plan.renamed])
    all_areas = {a.code: a for a in renamed}
    for code, _old, name in plan.renamed:
        area = all_areas[code]
        area.name = name
        area.save(update_fields=["name", "updated_at"])


def dissolve(municipality, finer_kind, coarser_kind):
    """Build (or redraw) areas of ``coarser_kind`` as the union of the ``finer_kind`` areas that
    name them as parent. Returns the codes of the areas created."""
    groups = defaultdict(list)
    for area in municipality.areas.filter(kind=finer_kind).exclude(parent_code=""):
        groups[area.parent_code].append(area.geometry)
    if not groups:
        raise ImportFailed(
            f"No {finer_kind} areas with a parent code to dissolve; import them with --parent."
        )
    clash = municipality.areas.filter(code__in=list(groups)).exclude(kind=coarser_kind)
    if clash.exists():
        raise ImportFailed(f"Area {clash.first().code} exists already as another kind.")
    created = []
    for code, geometries in sorted(groups.items()):
        union = shapely.union_all([shapely.make_valid(shape(g)) for g in geometries])
        try:
            geom = to_wgs84(mapping(union), WGS84)
        except GeometryError as exc:
            raise ImportFailed(f"Area {code}: the dissolved geometry {exc}.") from exc
        (min_lon, min_lat, max_lon, max_lat), (c_lon, c_lat) = geom.bbox, geom.centroid
        _area, was_created = Area.objects.update_or_create(
            municipality=municipality,
            code=code,
            defaults={
                "kind": coarser_kind,
                "geometry": geom.geojson,
                "min_lon": min_lon,
                "min_lat": min_lat,
                "max_lon": max_lon,
                "max_lat": max_lat,
                "centroid_lon": c_lon,
                "centroid_lat": c_lat,
            },
            create_defaults={"kind": coarser_kind, "name": code, "geometry": geom.geojson}
            | {
                "min_lon": min_lon,
                "min_lat": min_lat,
                "max_lon": max_lon,
                "max_lat": max_lat,
                "centroid_lon": c_lon,
                "centroid_lat": c_lat,
                "parent_code": municipality.code,
            },
        )
        if was_created:
            created.append(code)
    return created
