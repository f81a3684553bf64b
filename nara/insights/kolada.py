"""The municipality's own reporting in Kolada's long format: one row per key figure, municipality,
month and gender (T total, K women and girls, M men and boys), with Nära's own key figure ids
(N-prefixed, so they never clash with Kolada's own U/N ids). The ids and formulas are listed in
the README ("Dashboards").

Rates are percentages (25.0 = 25 %); a rate with nothing to divide by has no row.
"""

from .dashboard import month_label
from .kpis_trends import monthly

# (id, name, column of kpis_trends.monthly, genders)
KPIS = (
    ("NARA001", "contacts", "contacts", True),
    ("NARA002", "first-time visitors", "first_contacts", False),
    (
        "NARA003",
        "share previously unknown to social services (%)",
        "previously_unknown_share",
        False,
    ),
    ("NARA004", "support offers", "offered", False),
    ("NARA005", "acceptance rate (%)", "acceptance_rate", False),
    ("NARA006", "bookings", "booked", False),
    ("NARA007", "no-show rate (%)", "no_show_rate", False),
    ("NARA008", "escalations", "escalations", False),
)
COLUMNS = ["kpi", "kpi_name", "municipality", "period", "gender", "value"]


def rows(municipality_code, filters):
    """[kpi, kpi_name, municipality, period YYYY-MM, gender T/K/M, value] for every month."""
    result = []
    for month in monthly(filters):
        period = month_label(month["month"])
        for kpi, name, column, by_gender in KPIS:
            value = month[column]
            if value is None:
                continue
            if column.endswith("_rate") or column.endswith("_share"):
                value = round(100 * value, 1)
            result.append([kpi, name, municipality_code, period, "T", value])
            if by_gender:
                result.append([kpi, name, municipality_code, period, "K", month["female"]])
                result.append([kpi, name, municipality_code, period, "M", month["male"]])
    return result
