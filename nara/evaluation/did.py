"""Difference-in-differences on monthly series per area, with statsmodels. Django-free.

The model is an event study estimated by OLS with area and month fixed effects:

    y[a, t] = area[a] + month[t] + Σ_k β_k · 1{a treated, t − opening(a) = k} + ε[a, t]

k runs over the months relative to the opening (the opening month is k = 0), binned at
−WINDOW and +WINDOW (every earlier or later month falls into the end bin), with k = −1 as the
reference. Comparison areas are never treated, so they carry no relative-month dummies: every
treated area is compared with them only (with staggered openings, no already-treated area is
used as a control for a later one, as the plain two-way fixed-effects DiD would do).

Standard errors are clustered by area (months of one area are not independent), with
t-distributions on G − 1 degrees of freedom (G = areas), which is honest for few areas.

* effect: the average of the post-opening β_k (k ≥ 0), weighted by the number of treated
  area-months in each, with its 95 % interval (statsmodels ``t_test`` of that combination);
* pre-trend check: the joint Wald test (F form) that the leads (k ≤ −2) are 0, with the leads
  grouped into three bins (see ``_pretrend`` for why).

Why statsmodels: stable and widely used, cluster-robust covariance and Wald tests built in,
and no heavy compiled dependencies (pyfixest pulls numba and polars).
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import ValueWarning

WINDOW = 12
MIN_MONTHS = 6
MIN_AREAS = 2
ALPHA = 0.05
# The pre-trend test's leads, grouped (see _pretrend): by the number of groups, which months.
LEAD_GROUPS = {
    1: ((-WINDOW, -2),),
    2: ((-4, -2), (-WINDOW, -5)),
    3: ((-3, -2), (-6, -4), (-WINDOW, -7)),
}
AREAS_PER_LEAD_GROUP = 10


class EstimationError(ValueError):
    """The data cannot be estimated; ``code`` says why, ``params`` fill the message."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Design:
    treated: dict  # area id → opening month (datetime.date, first day)
    comparison: frozenset  # area ids, never treated
    window: int = WINDOW


def month_number(day):
    return day.year * 12 + day.month - 1


def _column(k):
    return f"ev_m{-k}" if k < 0 else f"ev_p{k}"


def panel(rows, design):
    """(area, month, value) rows → a DataFrame of the design's areas with relative months."""
    frame = pd.DataFrame(list(rows), columns=["area", "month", "value"])
    wanted = set(design.treated) | set(design.comparison)
    frame = frame[frame["area"].isin(wanted)].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame = frame[np.isfinite(frame["value"])]
    frame["t"] = [month_number(m) for m in frame["month"]]
    opening = {a: month_number(m) for a, m in design.treated.items()}
    frame["rel"] = [
        t - opening[a] if a in opening else np.nan
        for a, t in zip(frame["area"], frame["t"], strict=True)
    ]
    frame["bin"] = frame["rel"].clip(-design.window, design.window)
    return frame.reset_index(drop=True)


def estimate(rows, design):
    """The event study and its summary as a JSON-able dict; EstimationError when impossible."""
    frame = panel(rows, design)
    treated_seen = sorted(set(frame.loc[frame["rel"].notna(), "area"]))
    comparison_seen = sorted(set(frame["area"]) - set(design.treated))
    if not treated_seen:
        raise EstimationError("no_treated_data")
    if not comparison_seen:
        raise EstimationError("no_comparison_data")
    treated_rows = frame[frame["rel"].notna()]
    if not (treated_rows["rel"] < 0).any():
        raise EstimationError("no_months_before")
    if not (treated_rows["rel"] >= 0).any():
        raise EstimationError("no_months_after")
    if not (treated_rows["bin"] == -1).any():
        raise EstimationError("no_reference_month")

    columns = []
    for k in range(-design.window, design.window + 1):
        if k == -1:
            continue
        dummy = (frame["bin"] == k).astype(float)
        if dummy.any():
            frame[_column(k)] = dummy
            columns.append(k)
    formula = "value ~ C(area) + C(t)" + "".join(f" + {_column(k)}" for k in columns)
    groups = pd.factorize(frame["area"])[0]
    fit = _fit(formula, frame, groups)
    if fit is None:
        raise EstimationError("not_identified")

    names = list(fit.params.index)
    bounds = fit.conf_int(alpha=ALPHA)
    event = [
        {
            "k": k,
            "coef": _number(fit.params[_column(k)]),
            "low": _number(bounds.loc[_column(k), 0]),
            "high": _number(bounds.loc[_column(k), 1]),
            "n": int((frame["bin"] == k).sum()),
        }
        for k in columns
    ]
    reference = int((frame["bin"] == -1).sum())
    event.append({"k": -1, "coef": 0.0, "low": 0.0, "high": 0.0, "n": reference})
    event.sort(key=lambda e: e["k"])

    post = [k for k in columns if k >= 0]
    weights = np.zeros(len(names))
    counts = {k: (frame["bin"] == k).sum() for k in post}
    for k in post:
        weights[names.index(_column(k))] = counts[k] / sum(counts.values())
    effect = fit.t_test(weights)
    low, high = effect.conf_int(alpha=ALPHA)[0]

    return {
        "estimate": _number(effect.effect[0]),
        "low": _number(low),
        "high": _number(high),
        "p_value": _number(effect.pvalue),
        "pretrend": _pretrend(frame, columns, groups),
        "event": event,
        "window": design.window,
        "observations": int(fit.nobs),
        "treated_areas": len(treated_seen),
        "comparison_areas": len(comparison_seen),
        "clusters": len(treated_seen) + len(comparison_seen),
        "openings": len({design.treated[a] for a in treated_seen}),
        "months_before": _months(treated_rows, before=True),
        "months_after": _months(treated_rows, before=False),
        "baseline": _number(treated_rows.loc[treated_rows["rel"] < 0, "value"].mean()),
    }


def _pretrend(frame, columns, groups):
    """Joint Wald test (F form, clustered) that the leads are 0, in a second fit whose leads
    are grouped: one group per ten areas, at most three. A Wald test of eleven single-month
    leads with a covariance clustered on a dozen areas rejects a true null far too often (in
    our simulations 97 % instead of 5 %: the covariance is nearly singular); with one
    restriction per ten areas it rejects about as often as it should (3 % for 14 areas)."""
    frame = frame.copy()
    used = []
    count = min(3, max(1, (max(groups) + 1) // AREAS_PER_LEAD_GROUP))
    for first, last in LEAD_GROUPS[count]:
        name = f"pre_{-first}_{-last}"
        dummy = frame["bin"].between(first, last).astype(float)
        if dummy.any():
            frame[name] = dummy
            used.append(name)
    if not used:
        return {"tested": False, "leads": 0}
    lags = [_column(k) for k in columns if k >= 0]
    formula = "value ~ C(area) + C(t)" + "".join(f" + {c}" for c in used + lags)
    fit = _fit(formula, frame, groups)
    if fit is None:
        return {"tested": False, "leads": len(used)}
    names = list(fit.params.index)
    r_matrix = np.zeros((len(used), len(names)))
    for row, name in enumerate(used):
        r_matrix[row, names.index(name)] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValueWarning)
        try:
            test = fit.wald_test(r_matrix, use_f=True, scalar=True)
        except (ValueError, np.linalg.LinAlgError):
            return {"tested": False, "leads": len(used)}
    p_value = _number(test.pvalue)
    if p_value is None:
        return {"tested": False, "leads": len(used)}
    return {
        "tested": True,
        "leads": len(used),
        "statistic": _number(test.statistic),
        "df_num": int(round(float(test.df_num))),
        "df_denom": _number(test.df_denom),
        "p_value": p_value,
    }


def _fit(formula, frame, groups):
    """OLS with standard errors clustered by area; None when the design leaves nothing to
    estimate the error from (collinear, or as many parameters as observations)."""
    model = smf.ols(formula, data=frame)
    exog = model.exog
    if exog.shape[0] <= exog.shape[1] or np.linalg.matrix_rank(exog) < exog.shape[1]:
        return None
    try:
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
        return None


def _months(treated_rows, *, before):
    """The fewest months with data before (or from) the opening among the treated areas."""
    side = treated_rows[(treated_rows["rel"] < 0) == before]
    counts = side.groupby("area")["t"].nunique()
    areas = treated_rows["area"].unique()
    return int(min(counts.get(a, 0) for a in areas))


def _number(value):
    value = float(np.squeeze(value))
    return value if math.isfinite(value) else None
