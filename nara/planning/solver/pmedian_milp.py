"""Exact p-median MILP in the sparse "closest assignment" (chain) formulation.

For area i, sort the candidate sites by cost c_i(1) <= c_i(2) <= ... and let z_ih = 1 when none
of its h cheapest sites is open. Then

    minimise  sum_i [ c_i(1) + sum_h (c_i(h+1) - c_i(h)) z_ih ]
    s.t.      z_i1 + y_(i,1) >= 1,   z_ih - z_i,h-1 + y_(i,h) >= 0,   sum_j y_j = k,

with y binary and z in [0, 1]. It has the same LP bound as the classical x_ij formulation but
three non-zeros per row, and an area's chain stops at its first site that is surely open (fixed
by the user or by Lagrangian fixing): beyond it the area never pays more.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .highs import INFINITY, Milp


def chain_model(cost: np.ndarray, k: int, must_open: np.ndarray, max_links=None) -> Milp:
    """Build the MILP over the columns of ``cost``; columns 0..r-1 of the model are y.

    ``max_links`` (per area) cuts chains short; an area then pays at most its cost at that
    rank, so the model becomes a relaxation (a lower bound) rather than exact.
    """
    areas, sites = cost.shape
    order = np.argsort(cost, axis=1, kind="stable")
    ranked = np.take_along_axis(cost, order, axis=1)
    surely_open = must_open[order]
    first_open = np.where(surely_open.any(axis=1), surely_open.argmax(axis=1), sites - 1)
    links = first_open if max_links is None else np.minimum(first_open, max_links)
    area_of = np.repeat(np.arange(areas), links)
    rank = np.arange(links.sum()) - np.repeat(np.cumsum(links) - links, links) + 1
    z_columns = sites + np.arange(rank.size)
    chain_rows = np.arange(rank.size)
    continues = rank >= 2
    rows = np.concatenate(
        [chain_rows, chain_rows[continues], chain_rows, np.full(sites, rank.size)]
    )
    cols = np.concatenate(
        [z_columns, z_columns[continues] - 1, order[area_of, rank - 1], np.arange(sites)]
    )
    values = np.concatenate(
        [np.ones(rank.size), -np.ones(int(continues.sum())), np.ones(rank.size), np.ones(sites)]
    )
    matrix = sparse.csc_matrix((values, (rows, cols)), shape=(rank.size + 1, sites + rank.size))
    increments = ranked[area_of, rank] - ranked[area_of, rank - 1]
    row_lower = np.concatenate([np.where(rank == 1, 1.0, 0.0), [k]])
    row_upper = np.concatenate([np.full(rank.size, INFINITY), [k]])
    return Milp(
        cost=np.concatenate([np.zeros(sites), increments]),
        col_lower=np.concatenate([must_open.astype(float), np.zeros(rank.size)]),
        col_upper=np.ones(sites + rank.size),
        integer=np.concatenate([np.ones(sites, bool), np.zeros(rank.size, bool)]),
        matrix=matrix,
        row_lower=row_lower,
        row_upper=row_upper,
        offset=float(ranked[:, 0].sum()),
    )


def chain_start(cost: np.ndarray, chosen_positions, must_open) -> np.ndarray:
    """The model's column values for a given set of open sites (a warm start for HiGHS)."""
    sites = cost.shape[1]
    order = np.argsort(cost, axis=1, kind="stable")
    is_open = np.zeros(sites, dtype=bool)
    is_open[np.asarray(chosen_positions)] = True
    surely_open = must_open[order]
    first_open = np.where(surely_open.any(axis=1), surely_open.argmax(axis=1), sites - 1)
    open_ranked = is_open[order]
    served_rank = open_ranked.argmax(axis=1)
    links = first_open
    area_of = np.repeat(np.arange(cost.shape[0]), links)
    rank = np.arange(links.sum()) - np.repeat(np.cumsum(links) - links, links) + 1
    z = (rank <= served_rank[area_of]).astype(float)
    return np.concatenate([is_open.astype(float), z])


def chain_size(cost: np.ndarray, must_open: np.ndarray) -> int:
    """Number of chain variables chain_model would create."""
    if not must_open.any():
        return cost.shape[0] * (cost.shape[1] - 1)
    nearest_sure = cost[:, must_open].min(axis=1)
    return int((cost < nearest_sure[:, None]).sum())
