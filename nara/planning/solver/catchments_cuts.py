"""Row assembly and contiguity cuts for the capacitated catchment MILP."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components


class RowBlocks:
    """Collects constraint blocks (local row numbers) into one sparse matrix."""

    def __init__(self):
        self.rows, self.cols, self.values, self.lower, self.upper = [], [], [], [], []
        self.count = 0

    def add(self, rows, cols, values, lower, upper) -> None:
        self.rows.append(self.count + np.asarray(rows, dtype=np.int64))
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.values.append(np.asarray(values, dtype=np.float64))
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.count += len(self.lower[-1])

    def finish(self, column_count: int):
        matrix = sparse.csc_matrix(
            (np.concatenate(self.values), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.count, column_count),
        )
        return matrix, np.concatenate(self.lower), np.concatenate(self.upper)


class Cuts:
    """For a piece C cut off from site j's area: x_vj <= sum_{u in N(C)} x_uj for v in C."""

    def __init__(self, area_count: int, site_count: int):
        self.area_count, self.site_count = area_count, site_count
        self.pieces: list[tuple[int, np.ndarray, np.ndarray]] = []

    @property
    def count(self) -> int:
        return sum(len(piece) for _, piece, _ in self.pieces)

    def add(self, pieces, adjacency) -> None:
        for site, piece in pieces:
            inside = set(piece.tolist())
            border = {u for v in piece for u in adjacency[v] if u not in inside}
            self.pieces.append((site, piece, np.array(sorted(border), dtype=np.int64)))

    def write(self, rows: RowBlocks, m: int) -> None:
        for site, piece, border in self.pieces:
            local = np.arange(piece.size)
            rows.add(
                np.concatenate([local, np.repeat(local, border.size)]),
                np.concatenate([piece * m + site, np.tile(border * m + site, piece.size)]),
                np.concatenate([np.ones(piece.size), -np.ones(piece.size * border.size)]),
                np.full(piece.size, -np.inf),
                np.zeros(piece.size),
            )


def disconnected_pieces(assignment, adjacency, homes) -> list[tuple[int, np.ndarray]]:
    """Connected pieces of each catchment that do not contain the base's own area.

    ``assignment`` and ``homes`` use site positions: area i goes to site assignment[i], whose
    own area is homes[assignment[i]].
    """
    n = len(assignment)
    starts = np.repeat(np.arange(n), [len(neighbours) for neighbours in adjacency])
    ends = np.fromiter(
        (u for neighbours in adjacency for u in neighbours), dtype=np.int64, count=starts.size
    )
    same = assignment[starts] == assignment[ends]
    graph = sparse.coo_matrix((np.ones(int(same.sum())), (starts[same], ends[same])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    pieces = []
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        site = int(assignment[members[0]])
        if component[homes[site]] != label:
            pieces.append((site, members))
    return pieces
