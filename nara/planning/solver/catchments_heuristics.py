"""Feasible plans for capacitated catchments: capacity repair and contiguity repair.

Both work on site *positions* (columns of the cost matrix) and never call a MILP, so they take
milliseconds and give the exact method a good incumbent to start from.
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from .catchments_cuts import disconnected_pieces


def repair_capacity(cost, loads, capacity, assignment, deadline, adjacency=None):
    """Move areas out of overloaded catchments until every load fits, or give up (None).

    Only the sites ``assignment`` already uses receive areas.
    Each move takes, among all areas of overloaded catchments and all catchments with room for
    them, the one that raises the cost least per unit of load moved. With ``adjacency`` an area
    may only move to a catchment it borders, which keeps catchments in one piece more often.
    """
    assignment = assignment.copy()
    n, m = cost.shape
    load = np.bincount(assignment, weights=loads, minlength=m)
    closed = np.ones(m, dtype=bool)
    closed[np.unique(assignment)] = False
    rows = np.arange(n)
    while (load > capacity + 1e-9).any():
        if time.perf_counter() > deadline:
            return None
        over = load[assignment] > capacity + 1e-9
        room = capacity - load
        fits = (loads[:, None] <= room[None, :] + 1e-9) & ~closed[None, :]
        extra = cost - cost[rows, assignment][:, None]
        allowed = over[:, None] & fits
        if adjacency is not None:
            allowed &= _borders(assignment, adjacency, m)
        allowed[rows, assignment] = False
        if not allowed.any():
            return None
        score = np.where(allowed, extra / np.maximum(loads, 1e-12)[:, None], np.inf)
        area, target = np.unravel_index(np.argmin(score), score.shape)
        load[assignment[area]] -= loads[area]
        load[target] += loads[area]
        assignment[area] = target
    return assignment


def _borders(assignment, adjacency, m):
    touches = np.zeros((len(assignment), m), dtype=bool)
    for area, neighbours in enumerate(adjacency):
        if neighbours:
            touches[area, assignment[np.asarray(neighbours)]] = True
    return touches


def repair_contiguity(cost, loads, capacity, assignment, adjacency, homes, minimum=0.0):
    """Give every cut-off piece to a bordering catchment with room; None if that fails."""
    assignment = assignment.copy()
    m = len(homes)
    for _ in range(len(assignment)):
        pieces = disconnected_pieces(assignment, adjacency, homes)
        if not pieces:
            load = np.bincount(assignment, weights=loads, minlength=m)
            return assignment if (load >= minimum - 1e-9).all() else None
        load = np.bincount(assignment, weights=loads, minlength=m)
        moved = False
        for site, piece in sorted(pieces, key=lambda p: len(p[1])):
            border = {int(assignment[u]) for v in piece for u in adjacency[v]} - {site}
            piece_load = float(loads[piece].sum())
            options = [t for t in border if load[t] + piece_load <= capacity + 1e-9]
            if options:
                target = min(options, key=lambda t: float(cost[piece, t].sum()))
                assignment[piece] = target
                load[site] -= piece_load
                load[target] += piece_load
                moved = True
                break
        if not moved:
            return None
    return None


def grow_catchments(cost, loads, capacity, sites, adjacency, homes):
    """Contiguous catchments grown from the bases' own areas; None if some area is left over.

    Each step gives the cheapest (area, base) pair where the area borders the base's catchment
    and fits its remaining room; catchments stay in one piece by construction.
    """
    n = cost.shape[0]
    assignment = np.full(n, -1, dtype=np.int64)
    load = dict.fromkeys(int(s) for s in sites)
    heap = []
    for site in sites:
        home = int(homes[site])
        if assignment[home] >= 0 or loads[home] > capacity + 1e-9:
            return None
        assignment[home] = site
        load[int(site)] = float(loads[home])
    for site in sites:
        for area in np.flatnonzero(assignment == site):
            _push_neighbours(heap, cost, adjacency, assignment, int(area), int(site))
    while heap:
        _, area, site = heapq.heappop(heap)
        if assignment[area] >= 0 or load[site] + loads[area] > capacity + 1e-9:
            continue
        assignment[area] = site
        load[site] += float(loads[area])
        _push_neighbours(heap, cost, adjacency, assignment, area, site)
    return assignment if (assignment >= 0).all() else None


def _push_neighbours(heap, cost, adjacency, assignment, area, site):
    for neighbour in adjacency[area]:
        if assignment[neighbour] < 0:
            heapq.heappush(heap, (float(cost[neighbour, site]), int(neighbour), site))


def grow_balanced(cost, loads, capacity, sites, adjacency, homes):
    """Like grow_catchments, but the lightest catchment takes the next area (its cheapest
    bordering one that fits): tight capacities leave fewer areas stranded."""
    n = cost.shape[0]
    assignment = np.full(n, -1, dtype=np.int64)
    load, heaps = {}, {}
    for site in (int(s) for s in sites):
        home = int(homes[site])
        if assignment[home] >= 0 or loads[home] > capacity + 1e-9:
            return None
        assignment[home] = site
        load[site], heaps[site] = float(loads[home]), []
    for site in heaps:
        for area in np.flatnonzero(assignment == site):
            _push_neighbours(heaps[site], cost, adjacency, assignment, int(area), site)
    active = set(heaps)
    while active:
        site = min(active, key=lambda s: load[s])
        heap = heaps[site]
        while heap:
            _, area, _site = heapq.heappop(heap)
            if assignment[area] < 0 and load[site] + loads[area] <= capacity + 1e-9:
                assignment[area] = site
                load[site] += float(loads[area])
                _push_neighbours(heap, cost, adjacency, assignment, area, site)
                break
        else:
            active.discard(site)
    return assignment if (assignment >= 0).all() else None
