"""The MILP of capacitated catchments over the sites and (area, site) pairs still in play."""

from __future__ import annotations

import numpy as np

from . import highs
from .catchments_cuts import Cuts, RowBlocks


class Model:
    """The MILP over the sites kept: x_p for the (area, site) pairs left, then y_j per site."""

    def __init__(self, search, keep: np.ndarray):
        self.search, self.keep = search, keep
        n = search.cost.shape[0]
        self.area = np.repeat(np.arange(n), keep.size)
        self.slot = np.tile(np.arange(keep.size), n)

    @property
    def pair_count(self) -> int:
        return self.area.size

    def drop_pairs(self, drop) -> None:
        self.area, self.slot = self.area[~drop], self.slot[~drop]

    def index(self) -> np.ndarray:
        """Per (area, slot): the pair's column, or -1 when the pair was fixed to 0."""
        table = np.full((self.search.cost.shape[0], self.keep.size), -1, dtype=np.int64)
        table[self.area, self.slot] = np.arange(self.pair_count)
        return table

    def build(self, cuts: Cuts | None = None) -> highs.Milp:
        s = self.search
        n, m, pairs = s.cost.shape[0], self.keep.size, self.pair_count
        x = np.arange(pairs)
        y = pairs + np.arange(m)
        fixed = s.fixed[self.keep]
        rows = RowBlocks()
        rows.add(self.area, x, np.ones(pairs), np.ones(n), np.ones(n))  # each area once
        load_rows = np.concatenate([self.slot, np.arange(m)])
        load_cols = np.concatenate([x, y])
        area_loads = s.loads[self.area]
        rows.add(
            load_rows,
            load_cols,
            np.concatenate([area_loads, np.full(m, -s.capacity)]),
            np.full(m, -np.inf),
            np.zeros(m),
        )
        if s.minimum > 0:
            rows.add(
                load_rows,
                load_cols,
                np.concatenate([area_loads, np.full(m, -s.minimum)]),
                np.zeros(m),
                np.full(m, np.inf),
            )
        if not fixed.all():
            rows.add(
                np.concatenate([x, x]),
                np.concatenate([x, y[self.slot]]),
                np.concatenate([np.ones(pairs), -np.ones(pairs)]),
                np.full(pairs, -np.inf),
                np.zeros(pairs),
            )  # x_ij <= y_j, a tighter LP
            rows.add(np.zeros(m, np.int64), y, np.ones(m), [s.k], [s.k])
        col_upper = np.ones(pairs + m)
        if s.adjacency is not None:
            table = self.index()
            home = table[s.homes[self.keep], np.arange(m)]
            open_y = home < 0  # the base's own area cannot join it: the base cannot open
            col_upper[y[open_y]] = 0.0
            rows.add(
                np.concatenate([np.arange(int((~open_y).sum()))] * 2),
                np.concatenate([home[~open_y], y[~open_y]]),
                np.concatenate([np.ones(int((~open_y).sum())), -np.ones(int((~open_y).sum()))]),
                np.zeros(int((~open_y).sum())),
                np.zeros(int((~open_y).sum())),
            )
            if cuts is not None:
                write_cuts(cuts, table, rows)
        matrix, lower, upper = rows.finish(pairs + m)
        col_lower = np.zeros(pairs + m)
        col_lower[y] = fixed.astype(float)
        return highs.Milp(
            cost=np.concatenate([s.cost[self.area, self.keep[self.slot]], np.zeros(m)]),
            col_lower=col_lower,
            col_upper=col_upper,
            integer=np.ones(pairs + m, bool),
            matrix=matrix,
            row_lower=lower,
            row_upper=upper,
        )

    def start(self, assignment):
        if assignment is None:
            return None
        slots = np.searchsorted(self.keep, assignment)
        if (self.keep[np.minimum(slots, self.keep.size - 1)] != assignment).any():
            return None
        table = self.index()
        columns = table[np.arange(len(assignment)), slots]
        if (columns < 0).any():
            return None
        values = np.zeros(self.pair_count + self.keep.size)
        values[columns] = 1.0
        values[self.pair_count + np.unique(slots)] = 1.0
        return values

    def assignment(self, values) -> np.ndarray:
        chosen = values[: self.pair_count] > 0.5
        result = np.zeros(self.search.cost.shape[0], dtype=np.int64)
        result[self.area[chosen]] = self.keep[self.slot[chosen]]
        return result


def write_cuts(cuts: Cuts, table, rows: RowBlocks) -> None:
    """x_vj <= sum over the piece's border u of x_uj, with the pairs fixed to 0 left out."""
    for slot, piece, border in cuts.pieces:
        inner = table[piece, slot]
        outer = table[border, slot]
        outer = outer[outer >= 0]
        inner = inner[inner >= 0]
        if not inner.size:
            continue
        local = np.arange(inner.size)
        rows.add(
            np.concatenate([local, np.repeat(local, outer.size)]),
            np.concatenate([inner, np.tile(outer, inner.size)]),
            np.concatenate([np.ones(inner.size), -np.ones(inner.size * outer.size)]),
            np.full(inner.size, -np.inf),
            np.zeros(inner.size),
        )
