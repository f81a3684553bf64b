"""Reading candidate sites from CSV (name,lon,lat[,kind]) or GeoJSON points.

Every problem names the row or feature and the field; the caller saves nothing on error.
GeoJSON may be in WGS84 or, declared in its ``crs`` member, EPSG:3006 (SWEREF 99 TM).
"""

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pyproj import Transformer

from nara.lib import spreadsheets
from nara.lib.geometry import SWEDEN_LAT, SWEDEN_LON, WGS84, GeometryError, crs_of_collection

MAX_SITES = 5000


class CandidateImportError(ValueError):
    """A problem with a candidate file, phrased for the person importing it."""


@dataclass(frozen=True)
class SiteRow:
    name: str
    lon: float
    lat: float
    kind: str = ""


def parse_candidates(filename, content):
    """Rows from an uploaded file; the format is chosen by the file name (.csv or .geojson)."""
    text = _decode(content)
    lower = (filename or "").lower()
    if lower.endswith((".geojson", ".json")):
        rows = _parse_geojson(text)
    elif lower.endswith((".csv", ".txt")):
        rows = _parse_csv(text)
    else:
        raise CandidateImportError(
            _("The file must be a CSV file (.csv) or GeoJSON (.geojson or .json).")
        )
    if not rows:
        raise CandidateImportError(_("The file has no candidate sites."))
    if len(rows) > MAX_SITES:
        raise CandidateImportError(
            _("The file has %(count)d sites; at most %(max)d can be imported at once.")
            % {"count": len(rows), "max": MAX_SITES}
        )
    return rows


def _decode(content):
    try:
        return spreadsheets.decode(content)[0]
    except spreadsheets.SpreadsheetError as exc:
        raise CandidateImportError(str(exc)) from None


def _parse_csv(text):
    try:
        table = spreadsheets.read_table(text, required=("name", "lon", "lat"))
    except spreadsheets.SpreadsheetError as exc:
        raise CandidateImportError(str(exc)) from None
    rows = []
    for line, cells in table.rows:
        row = {column.lower(): value for column, value in cells.items()}
        label = _("Row %d") % line
        name = (row.get("name") or "").strip()
        if not name:
            raise CandidateImportError(_("%(row)s: field 'name' is empty.") % {"row": label})
        lon = _coordinate(label, "lon", row.get("lon"))
        lat = _coordinate(label, "lat", row.get("lat"))
        _check_in_sweden(label, lon, lat)
        rows.append(SiteRow(name[:120], lon, lat, (row.get("kind") or "").strip()[:40]))
    return rows


def _coordinate(label, field, value):
    try:
        number = spreadsheets.parse_number(value)
    except ValueError:
        number = None
    if number is None:
        raise CandidateImportError(
            _("%(row)s: field '%(field)s' is not a number (%(value)r).")
            % {"row": label, "field": field, "value": value or ""}
        )
    return number


def _check_in_sweden(label, lon, lat):
    if not SWEDEN_LON[0] <= lon <= SWEDEN_LON[1]:
        raise CandidateImportError(
            _(
                "%(row)s: field 'lon' (%(value)s) is not a longitude in Sweden; coordinates "
                "must be WGS84 degrees (GeoJSON may also declare EPSG:3006)."
            )
            % {"row": label, "value": lon}
        )
    if not SWEDEN_LAT[0] <= lat <= SWEDEN_LAT[1]:
        raise CandidateImportError(
            _(
                "%(row)s: field 'lat' (%(value)s) is not a latitude in Sweden; coordinates "
                "must be WGS84 degrees (GeoJSON may also declare EPSG:3006)."
            )
            % {"row": label, "value": lat}
        )


def _parse_geojson(text):
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CandidateImportError(_("The file is not valid JSON (%s).") % exc.msg) from None
    except RecursionError:
        raise CandidateImportError(_("The file is nested too deeply to be GeoJSON.")) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise CandidateImportError(_("The file is not a GeoJSON FeatureCollection."))
    features = collection.get("features")
    if not isinstance(features, list):
        raise CandidateImportError(_("The file has no features."))
    try:
        crs = crs_of_collection(collection)
    except GeometryError:
        raise CandidateImportError(
            _("The file's coordinate reference system is unknown.")
        ) from None
    transformer = None if crs.equals(WGS84) else Transformer.from_crs(crs, WGS84, always_xy=True)
    return [_feature_row(i, f, transformer) for i, f in enumerate(features, start=1)]


def _feature_row(index, feature, transformer):
    label = _("Feature %d") % index
    if not isinstance(feature, dict):
        raise CandidateImportError(_("%(row)s is not a GeoJSON feature.") % {"row": label})
    props = feature.get("properties")
    props = props if isinstance(props, dict) else {}
    name = str(props.get("name") or "").strip()
    if not name:
        raise CandidateImportError(_("%(row)s: field 'name' is missing.") % {"row": label})
    geometry = feature.get("geometry")
    geometry = geometry if isinstance(geometry, dict) else {}
    coords = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
        raise CandidateImportError(_("%(row)s: field 'geometry' must be a Point.") % {"row": label})
    x = _coordinate(label, "geometry", str(coords[0]))
    y = _coordinate(label, "geometry", str(coords[1]))
    lon, lat = transformer.transform(x, y) if transformer else (x, y)
    _check_in_sweden(label, lon, lat)
    kind = str(props.get("kind") or "").strip()
    return SiteRow(name[:120], float(lon), float(lat), kind[:40])
