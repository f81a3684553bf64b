"""Reading SCB PxWeb tables: PxWeb JSON, JSON-stat (1 and 2) and PxWeb/SCB CSV.

Every format becomes a list of Cells: one value with the code (and, where the file has it, the
label) of each dimension. Region codes are kept as published (`0581R001_RegSO2025`);
`area_code()` turns them into the codes areas are imported with (`0581R001`).
"""

import json
import re
from dataclasses import dataclass, field

from nara.lib.spreadsheets import SpreadsheetError, read_table
from nara.lib.textfold import fold

# 0581R001 (RegSO), 0581C1310 (DeSO; A, B or C), optionally with the division's year.
REGION_RE = re.compile(r"^\s*(\d{4}[A-Z]\d{3,4})(?:_(?:RegSO|DeSO)\d{4})?\b\s*[-–:]?\s*(.*)$")
YEAR_RE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
REGION_DIMS = {"region", "regioner", "omrade", "area", "regso", "deso"}
TIME_DIMS = {"tid", "ar", "year", "time"}
AGE_DIMS = {"alder", "age"}
SEX_DIMS = {"kon", "sex"}


class PxWebError(ValueError):
    """A problem with a PxWeb table, phrased for the person importing it."""


@dataclass
class Cell:
    keys: dict  # dimension role or code → value code
    value: str | None


@dataclass
class PxTable:
    cells: list
    region_labels: dict = field(default_factory=dict)  # region code as published → label
    source: str = ""
    title: str = ""


def area_code(region):
    """'0581R001_RegSO2025' → '0581R001'; None for rows that are no DeSO or RegSO (a
    municipality's or the country's total)."""
    match = REGION_RE.match(str(region))
    return match.group(1) if match else None


def read(content, filename=""):
    """A table from the bytes of a PxWeb JSON, JSON-stat or CSV file."""
    if isinstance(content, bytes):
        content = content.removeprefix(b"\xef\xbb\xbf")
    stripped = content.lstrip()[:1]
    if stripped in (b"{", "{") or filename.lower().endswith(".json"):
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PxWebError(f"The file is not valid JSON ({exc}).") from None
        try:
            return _from_json(data)
        except PxWebError:
            raise
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise PxWebError(
                f"The JSON does not have the shape of a PxWeb table ({exc})."
            ) from None
    try:
        return _from_csv(read_table(content))
    except SpreadsheetError as exc:
        raise PxWebError(str(exc)) from None


def role(dimension):
    """'Region' / 'Alder' / 'ålder' / 'Tid' → region / age / sex / time, else the code."""
    folded = fold(dimension)
    for name, names in (
        ("region", REGION_DIMS),
        ("time", TIME_DIMS),
        ("age", AGE_DIMS),
        ("sex", SEX_DIMS),
    ):
        if folded in names:
            return name
    return dimension


def _from_json(data):
    if isinstance(data, dict) and "columns" in data and "data" in data:
        return _from_pxweb_json(data)
    if isinstance(data, dict) and isinstance(data.get("dataset"), dict):
        return _from_json_stat(data["dataset"], v1=True)
    if isinstance(data, dict) and data.get("class") == "dataset":
        return _from_json_stat(data, v1=False)
    raise PxWebError(
        "The file is neither PxWeb JSON (columns, data) nor JSON-stat; save the table from "
        "SCB as JSON, JSON-stat or CSV."
    )


def _from_pxweb_json(data):
    columns = data.get("columns") or []
    dims = [c.get("code", "") for c in columns if c.get("type") in ("d", "t")]
    measures = [c.get("code", "") for c in columns if c.get("type") == "c"]
    if not dims or not measures:
        raise PxWebError("The PxWeb JSON has no dimension or no value columns.")
    roles = [role(d) for d in dims]
    cells = []
    for row in data.get("data") or []:
        keys, values = row.get("key") or [], row.get("values") or []
        if len(keys) != len(dims) or len(values) != len(measures):
            raise PxWebError(f"A data row does not match the columns: {row!r}.")
        for measure, value in zip(measures, values, strict=True):
            entry = dict(zip(roles, keys, strict=True))
            if len(measures) > 1:
                entry["measure"] = measure
            cells.append(Cell(entry, value))
    metadata = (data.get("metadata") or [{}])[0] or {}
    source = " ".join(
        filter(None, [metadata.get("source"), metadata.get("infofile"), _updated(metadata)])
    )
    return PxTable(cells, source=source, title=metadata.get("label", ""))


def _updated(metadata):
    updated = str(metadata.get("updated") or "")[:10]
    return f"(updated {updated})" if updated else ""


def _from_json_stat(dataset, v1):
    ids = (dataset.get("dimension") or {}).get("id") if v1 else dataset.get("id")
    sizes = (dataset.get("dimension") or {}).get("size") if v1 else dataset.get("size")
    dimensions = dataset.get("dimension") or {}
    if not ids or not sizes or len(ids) != len(sizes):
        raise PxWebError("The JSON-stat file has no dimensions.")
    axes, labels = [], {}
    for dim in ids:
        category = (dimensions.get(dim) or {}).get("category") or {}
        index = category.get("index")
        codes = sorted(index, key=index.get) if isinstance(index, dict) else list(index or [])
        if not codes:
            codes = list(category.get("label") or {})
        axes.append(codes)
        if role(dim) == "region":
            labels = category.get("label") or {}
    values = dataset.get("value")
    if isinstance(values, dict):
        values = [values.get(str(i)) for i in range(_product(sizes))]
    if not isinstance(values, list) or len(values) != _product(sizes):
        raise PxWebError("The JSON-stat file's values do not match its dimensions.")
    roles = [role(d) for d in ids]
    cells = []
    for flat, value in enumerate(values):
        keys, rest = {}, flat
        for position in range(len(ids) - 1, -1, -1):
            rest, index = divmod(rest, sizes[position])
            keys[roles[position]] = axes[position][index]
        cells.append(Cell(keys, None if value is None else str(value)))
    source = dataset.get("source") or ""
    return PxTable(cells, region_labels=labels, source=source, title=dataset.get("label", ""))


def _product(sizes):
    total = 1
    for size in sizes:
        total *= int(size)
    return total


def _from_csv(table):
    value_columns = [c for c in table.columns if YEAR_RE.search(c)]
    plain_value = table.column("value", "värde", "varde")
    if not value_columns and not plain_value:
        raise PxWebError(
            "The CSV has no value column: SCB's CSV has a column per year (e.g. '2024') or a "
            f"column 'value'. Found: {', '.join(table.columns)}."
        )
    dims = [c for c in table.columns if c not in value_columns and c != plain_value]
    roles = {c: role(c) for c in dims}
    if "region" not in roles.values():
        raise PxWebError(f"The CSV has no column 'region'. Found: {', '.join(table.columns)}.")
    cells, labels = [], {}
    for _line, row in table.rows:
        keys = {roles[c]: row[c] for c in dims}
        code = area_code(keys["region"])
        if code:
            labels[keys["region"]] = REGION_RE.match(keys["region"]).group(2).strip()
        if plain_value:
            cells.append(Cell(keys, row[plain_value]))
        for column in value_columns:
            year = YEAR_RE.search(column).group(1)
            cells.append(Cell({**keys, "time": year}, row[column]))
    return PxTable(cells, region_labels={k: v for k, v in labels.items() if v})


# Ages and sexes ---------------------------------------------------------------------------

TOTAL_WORDS = {"totalt", "total", "totalt alder", "samtliga", "alla", "alla aldrar", "tot"}
BOTH_SEXES = {"1+2", "totalt", "total", "man och kvinnor", "bada konen", "samtliga", "tot"}
MEN, WOMEN = {"1", "man", "men", "male"}, {"2", "kvinnor", "kvinna", "women", "female"}
AGE_RANGE_RE = re.compile(r"^(\d+)?\s*[-–]\s*(\d+)?(?:\s*ar)?$")
AGE_PLUS_RE = re.compile(r"^(\d+)\s*\+(?:\s*ar)?$|^(\d+)\s*(?:ar)?\s*(?:och aldre|eller aldre)$")
AGE_ONE_RE = re.compile(r"^(\d+)(?:\s*ar)?$")


def age_group(text):
    """'-4' → (0, 4), '80-' / '80+' → (80, None), '17 år' → (17, 17), 'totalt' → 'total';
    None when it is no age."""
    folded = fold(text).strip()
    if folded in TOTAL_WORDS:
        return "total"
    if match := AGE_RANGE_RE.match(folded):
        low, high = match.groups()
        if low is None and high is None:
            return None
        return int(low or 0), int(high) if high is not None else None
    if match := AGE_PLUS_RE.match(folded):
        return int(match.group(1) or match.group(2)), None
    if match := AGE_ONE_RE.match(folded):
        return int(match.group(1)), int(match.group(1))
    return None


def sex_of(text):
    folded = fold(text).strip()
    if folded in BOTH_SEXES:
        return "both"
    if folded in MEN:
        return "men"
    if folded in WOMEN:
        return "women"
    return None


def children_0_17(groups):
    """Residents aged 0–17 from {(low, high): count}. A group across 17/18 (SCB's 15–19) is
    split evenly over its years: 15–19 adds three fifths. Returns (count, exact?)."""
    total, exact = 0.0, True
    for (low, high), count in groups.items():
        if high is not None and high <= 17:
            total += count
        elif low <= 17:
            if high is None:
                return None, False
            total += count * (18 - low) / (high - low + 1)
            exact = False
    return round(total), exact
