"""Importing areas (GeoJSON) and postcodes (CSV)."""

import math
import re
from dataclasses import dataclass, field

from django.db import transaction

from nara.core import audit
from nara.core.models import Area, AreaIndicator, Municipality
from nara.lib.geometry import GeometryError, crs_of_collection, to_wgs84


class ImportFailed(ValueError):
    """An import problem, phrased for the person running the import."""


@dataclass
class AreaMapping:
    """Which feature properties hold what. Indicator entries: property → indicator name."""

    code: str
    name: str | None = None
    kind: str = Area.Kind.DESO
    population: str | None = None
    population_0_17: str | None = None
    children_share: str | None = None
    parent_code: str | None = None
    indicators: dict = field(default_factory=dict)
    indicator_year: int | None = None
    indicator_source: str = ""


def do_import_areas(*, actor, municipality, collection, mapping, client_address=None):
    """Create or update areas from a GeoJSON FeatureCollection. All or nothing."""
    rows = _parse_collection(collection, mapping)
    with transaction.atomic():
        created, updated = 0, 0
        for row in rows:
            was_created = _save_area(municipality, mapping, row)
            created, updated = created + was_created, updated + (not was_created)
        audit.record(
            actor=actor,
            action="areas.import",
            obj=municipality,
            changes={"created": created, "updated": updated, "kind": mapping.kind},
            client_address=client_address,
        )
    return created, updated


def _parse_collection(collection, mapping):
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ImportFailed("The file is not a GeoJSON FeatureCollection.")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise ImportFailed("The file has no features.")
    try:
        crs = crs_of_collection(collection)
    except GeometryError as exc:
        raise ImportFailed(f"The file's {exc}.") from exc
    rows, seen = [], set()
    for index, feature in enumerate(features, start=1):
        row = _parse_feature(index, feature, mapping, crs)
        if row["code"] in seen:
            raise ImportFailed(f"Feature {index}: code {row['code']!r} appears twice.")
        seen.add(row["code"])
        rows.append(row)
    return rows


def _parse_feature(index, feature, mapping, crs):
    props = (feature or {}).get("properties") or {}
    code = props.get(mapping.code)
    label = f"Feature {index}" + (f" ({code})" if code else "")
    if code in (None, ""):
        raise ImportFailed(f"{label}: field {mapping.code!r} (code) is missing.")
    try:
        geometry = to_wgs84(feature.get("geometry"), crs)
    except GeometryError as exc:
        raise ImportFailed(f"{label}: field 'geometry': {exc}.") from exc
    name = props.get(mapping.name) if mapping.name else None
    population = _number(label, props, mapping.population, integer=True)
    children = _number(label, props, mapping.population_0_17, integer=True)
    share = _number(label, props, mapping.children_share)
    if children is None and share is not None and population is not None:
        children = round(population * share)
    return {
        "code": str(code).strip(),
        "name": str(name).strip() if name else None,  # None: keep the area's name
        "parent_code": str(props.get(mapping.parent_code) or "") if mapping.parent_code else "",
        "population": population,
        "population_0_17": children,
        "geometry": geometry,
        "indicators": {
            ind: _number(label, props, prop) for prop, ind in mapping.indicators.items()
        },
    }


def _number(label, props, prop, integer=False):
    if not prop:
        return None
    if prop not in props:
        raise ImportFailed(f"{label}: field {prop!r} is missing.")
    value = props[prop]
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", ".").replace("\u2212", "-").strip())
    except ValueError:
        raise ImportFailed(f"{label}: field {prop!r} is not a number ({value!r}).") from None
    if not math.isfinite(number):
        raise ImportFailed(f"{label}: field {prop!r} is not a finite number ({value!r}).")
    if integer:
        if number < 0:
            raise ImportFailed(f"{label}: field {prop!r} cannot be negative ({value!r}).")
        return round(number)
    return number


def _save_area(municipality, mapping, row):
    # Without a name field an area keeps the name it has (given since, e.g. by import_pxweb
    # --names); a new area is named by its code.
    named = {"name": row["name"]} if row["name"] else {}
    area, created = Area.objects.update_or_create(
        municipality=municipality,
        code=row["code"],
        create_defaults={"name": row["name"] or row["code"]} | _area_fields(mapping, row),
        defaults=named | _area_fields(mapping, row),
    )
    for name, value in row["indicators"].items():
        AreaIndicator.objects.update_or_create(
            area=area,
            name=name,
            defaults={
                "value": value,
                "year": mapping.indicator_year,
                "source": mapping.indicator_source,
            },
        )
    return created


def _area_fields(mapping, row):
    geom = row["geometry"]
    (min_lon, min_lat, max_lon, max_lat), (c_lon, c_lat) = geom.bbox, geom.centroid
    return {
        "kind": mapping.kind,
        "parent_code": row["parent_code"],
        "geometry": geom.geojson,
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "centroid_lon": c_lon,
        "centroid_lat": c_lat,
        "population": row["population"],
        "population_0_17": row["population_0_17"],
    }


POSTCODE_RE = re.compile(r"^\d{3} ?\d{2}$")


def normalise_postcode(text):
    """'602 21' / '60221' → '60221'; None when it is not a Swedish postcode."""
    text = (text or "").strip()
    return text.replace(" ", "") if POSTCODE_RE.match(text) else None


def get_or_create_municipality(*, actor, code, name):
    with transaction.atomic():
        municipality, created = Municipality.objects.get_or_create(
            code=code, defaults={"name": name or code}
        )
        if created:
            audit.record(
                actor=actor,
                action="municipality.create",
                obj=municipality,
                changes={"code": [None, code], "name": [None, municipality.name]},
            )
    return municipality
