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

    Only the sites ``assignment`` already uses receive areas. Each round, every overloaded
    catchment gives away the area that raises the cost least per unit of load moved, to a
    catchment with room for it. With ``adjacency`` an area may only move to a catchment it
    borders, which keeps catchments in one piece more often.
    """
    open_sites = np.unique(assignment)
    sub = cost[:, open_sites]
    slot = np.searchsorted(open_sites, assignment)
    k = open_sites.size
    load = np.bincount(slot, weights=loads, minlength=k)
    per_load = 1.0 / np.maximum(loads, 1e-12)
    while (load > capacity + 1e-9).any():
        if time.perf_counter() > deadline:
            return None
        over = np.flatnonzero(load > capacity + 1e-9)
        members = np.flatnonzero(np.isin(slot, over))
        fits = loads[members, None] <= (capacity - load)[None, :] + 1e-9
        if adjacency is not None:
            fits &= _borders(slot, adjacency, k)[members]
        fits[np.arange(members.size), slot[members]] = False
        extra = (sub[members] - sub[members, slot[members]][:, None]) * per_load[members, None]
        score = np.where(fits, extra, np.inf)
        best_target = np.argmin(score, axis=1)
        best_score = score[np.arange(members.size), best_target]
        moved = False
        for order in np.argsort(best_score, kind="stable"):
            if not np.isfinite(best_score[order]):
                break
            area, target = members[order], best_target[order]
            source = slot[area]
            if load[source] <= capacity + 1e-9 or load[target] + loads[area] > capacity + 1e-9:
                continue
            load[source] -= loads[area]
            load[target] += loads[area]
            slot[area] = target
            moved = True
        if not moved:
            return None
    return open_sites[slot]


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
