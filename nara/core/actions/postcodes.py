"""Importing postcodes: as `postcode,area_code` pairs, or as points placed in areas.

Points come one per postcode (GeoNames) or many per postcode (address points, OpenStreetMap
`addr:postcode`). Each point is placed in its area by point-in-polygon; a postcode whose points
fall in several areas keeps every area with its share of the points, so that residents of a
postcode that spans areas are asked which one is theirs.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from nara.core import audit, content_version
from nara.core.actions.areas import ImportFailed, normalise_postcode
from nara.core.models import PostcodeArea
from nara.core.queries import area_kind_in_use
from nara.lib.geometry import SWEDEN_LAT, SWEDEN_LON, locate_points
from nara.lib.spreadsheets import SpreadsheetError, parse_number, read_table

# A point shared by more postcodes than this is a town's centre, not where people live.
CROWDED_POINT = 5
GEONAMES_LON, GEONAMES_LAT, GEONAMES_POSTCODE = 10, 9, 1


@dataclass
class PostcodeImport:
    postcodes: dict  # postcode → {area id: share}
    warnings: list = field(default_factory=list)
    points: int = 0
    outside: int = 0


def do_import_postcodes(
    *, actor, municipality, content, kind=None, move=False, dry_run=False, client_address=None
):
    """Read postcodes (CSV bytes or text) and map them to the municipality's areas of one kind.

    All or nothing. A postcode mapped to another municipality's areas is refused unless
    ``move``. Returns a PostcodeImport; with ``dry_run`` nothing is saved."""
    kind = kind or area_kind_in_use(municipality)
    areas = municipality.areas.filter(kind=kind)
    if not areas.exists():
        raise ImportFailed(
            f"{municipality.name} has no areas of kind {kind!r}; import areas first."
        )
    table = _read(content)
    if table.column("area_code"):
        result = _from_area_codes(table, areas)
    else:
        result = _from_points(table, areas)
    if not result.postcodes:
        raise ImportFailed("No postcode lies in any of the municipality's areas.")
    _check_other_municipalities(municipality, result.postcodes, move)
    if not dry_run:
        _save(actor, municipality, result, client_address)
    return result


def _read(content):
    try:
        text_start = content[:200] if isinstance(content, str) else content[:200].decode("latin-1")
        geonames = text_start.startswith("SE\t")
        table = read_table(content, header=not geonames)
    except SpreadsheetError as exc:
        raise ImportFailed(str(exc)) from None
    if geonames:
        table.columns[GEONAMES_POSTCODE] = "postcode"
        table.columns[GEONAMES_LAT], table.columns[GEONAMES_LON] = "lat", "lon"
        table.rows = [
            (n, {table.columns[i]: v for i, v in enumerate(row.values())}) for n, row in table.rows
        ]
        return table
    table.columns = [c.lower() for c in table.columns]
    table.rows = [(n, {k.lower(): v for k, v in row.items()}) for n, row in table.rows]
    for alias, name in (("longitude", "lon"), ("lng", "lon"), ("latitude", "lat")):
        if alias in table.columns and name not in table.columns:
            table.columns[table.columns.index(alias)] = name
            table.rows = [(n, {**row, name: row[alias]}) for n, row in table.rows]
    if "postcode" not in table.columns or not (
        "area_code" in table.columns or {"lon", "lat"} <= set(table.columns)
    ):
        raise ImportFailed(
            "The CSV needs the columns 'postcode' and 'area_code', or 'postcode', 'lon' and 'lat' "
            f"(WGS84); found: {', '.join(table.columns)}."
        )
    return table


def _postcode(line_no, row):
    postcode = normalise_postcode(row.get("postcode"))
    if postcode is None:
        raise ImportFailed(f"Line {line_no}: field 'postcode' is not a Swedish postcode.")
    return postcode


def _from_area_codes(table, areas):
    """One row per postcode and area; a postcode on several rows spans those areas, with
    equal shares unless a 'share' column gives them."""
    ids = dict(areas.values_list("code", "id"))
    postcodes = defaultdict(dict)
    for line_no, row in table.rows:
        postcode = _postcode(line_no, row)
        area_id = ids.get(row.get("area_code", ""))
        if area_id is None:
            raise ImportFailed(f"Line {line_no}: field 'area_code' names no imported area.")
        try:
            share = parse_number(row.get("share"))
        except ValueError:
            share = -1
        if share is not None and not 0 < share <= 1:
            raise ImportFailed(f"Line {line_no}: field 'share' is not a number above 0 up to 1.")
        postcodes[postcode][area_id] = share or 1.0
    return PostcodeImport({p: _normalised(s) for p, s in postcodes.items()})


def _normalised(shares):
    total = sum(shares.values())
    return {area_id: share / total for area_id, share in shares.items()}


def _from_points(table, areas):
    rows = list(areas.order_by("code").values_list("id", "geometry"))
    postcodes, points = [], []
    for line_no, row in table.rows:
        postcodes.append(_postcode(line_no, row))
        points.append((_coordinate(line_no, row, "lon"), _coordinate(line_no, row, "lat")))
    found = locate_points([geometry for _id, geometry in rows], points)
    counts = defaultdict(Counter)
    for postcode, index in zip(postcodes, found, strict=True):
        if index is not None:
            counts[postcode][rows[index][0]] += 1
    result = PostcodeImport(
        {
            postcode: {area_id: n / sum(c.values()) for area_id, n in c.items()}
            for postcode, c in counts.items()
        },
        points=len(points),
        outside=sum(index is None for index in found),
    )
    result.warnings = _crowded_points(postcodes, points)
    missing = sorted(set(postcodes) - set(result.postcodes))
    if missing:
        result.warnings.append(
            f"{len(missing)} postcodes have no point inside the areas and were left out "
            f"(e.g. {', '.join(missing[:5])})."
        )
    return result


def _coordinate(line_no, row, name):
    try:
        value = parse_number(row.get(name))
    except ValueError:
        value = float("nan")
    low, high = SWEDEN_LON if name == "lon" else SWEDEN_LAT
    if value is None:
        raise ImportFailed(f"Line {line_no}: field '{name}' is missing.")
    if not low <= value <= high:
        raise ImportFailed(
            f"Line {line_no}: field '{name}' ({row.get(name)!r}) is not a WGS84 "
            f"{'longitude' if name == 'lon' else 'latitude'} in Sweden."
        )
    return value


def _crowded_points(postcodes, points):
    per_point = defaultdict(set)
    for postcode, (lon, lat) in zip(postcodes, points, strict=True):
        per_point[(round(lon, 5), round(lat, 5))].add(postcode)
    total = len(set(postcodes))
    warnings = []
    for (lon, lat), shared in sorted(per_point.items(), key=lambda item: -len(item[1])):
        if len(shared) <= CROWDED_POINT:
            break
        warnings.append(
            f"{len(shared)} of {total} postcodes share one point ({lon}, {lat}): probably a "
            "town's centre rather than where people live, so they all land in one area. "
            "Use address points (several per postcode) for a true picture."
        )
    return warnings


def _check_other_municipalities(municipality, postcodes, move):
    elsewhere = (
        PostcodeArea.objects.filter(postcode__in=list(postcodes))
        .exclude(area__municipality=municipality)
        .values_list("postcode", "area__municipality__name")
        .order_by("postcode")
        .distinct()
    )
    taken = list(elsewhere)
    if taken and not move:
        shown = ", ".join(f"{p} ({name})" for p, name in taken[:10])
        raise ImportFailed(
            f"{len(taken)} postcodes already belong to another municipality: {shown}. Nothing "
            "was moved; run again with --move to move them to "
            f"{municipality.name}."
        )


def _save(actor, municipality, result, client_address):
    codes = list(result.postcodes)
    with transaction.atomic():
        moved = PostcodeArea.objects.filter(postcode__in=codes).exclude(
            area__municipality=municipality
        )
        moved_count = moved.count()
        PostcodeArea.objects.filter(postcode__in=codes).delete()
        PostcodeArea.objects.bulk_create(
            PostcodeArea(postcode=postcode, area_id=area_id, share=share)
            for postcode, shares in result.postcodes.items()
            for area_id, share in shares.items()
        )
        audit.record(
            actor=actor,
            action="postcodes.import",
            obj=municipality,
            changes={
                "postcodes": len(codes),
                "spanning_several_areas": sum(len(s) > 1 for s in result.postcodes.values()),
                "moved_from_other_municipalities": moved_count,
            },
            client_address=client_address,
        )
        content_version.bump()
