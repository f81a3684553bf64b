"""Plans from a Lagrangian solution: assignment to a chosen set of bases, then local search.

The Lagrangian knapsacks say which areas each chosen base would like; an area wanted by several
goes to the cheapest, one wanted by none to the cheapest base with room. Shift and swap moves
then lower the cost while every load fits. For small sets the assignment to the chosen bases
(a generalised assignment problem) is also solved exactly with HiGHS.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from . import highs

SWAP_LIMIT = 200  # areas above which swaps (pairs of areas) are skipped: n² per move


def from_knapsacks(cost, loads, capacity, sites, members, swaps=True):
    """An assignment (site indices) to ``sites``, or None when some area fits nowhere."""
    n, k = cost.shape[0], len(sites)
    sub = cost[:, sites]
    wanted = np.zeros((n, k), dtype=bool)
    for slot, j in enumerate(sites):
        wanted[members.get(int(j), np.zeros(0, np.int64)), slot] = True
    slot = np.where(wanted.any(axis=1), np.argmin(np.where(wanted, sub, np.inf), axis=1), -1)
    load = np.bincount(slot[slot >= 0], weights=loads[slot >= 0], minlength=k)
    # overloaded catchments give back their dearest areas per unit of load
    for s in np.flatnonzero(load > capacity + 1e-9):
        inside = np.flatnonzero(slot == s)
        spare = sub[inside].min(axis=1, initial=np.inf)
        order = inside[np.argsort(-(sub[inside, s] - spare) / np.maximum(loads[inside], 1e-12))]
        for area in order[::-1]:
            if load[s] <= capacity + 1e-9:
                break
            slot[area], load[s] = -1, load[s] - loads[area]
    for area in np.flatnonzero(slot < 0)[np.argsort(-loads[slot < 0], kind="stable")]:
        room = load + loads[area] <= capacity + 1e-9
        if not room.any():
            slot = None
            break
        target = int(np.argmin(np.where(room, sub[area], np.inf)))
        slot[area], load[target] = target, load[target] + loads[area]
    plans = [
        improve(sub, loads, capacity, start)
        for start in (slot, _nearest_with_room(sub, loads, capacity))
        if start is not None
    ]
    if not plans:
        return None
    rows = np.arange(n)
    best = min(plans, key=lambda p: sub[rows, p].sum())
    return np.asarray(sites)[best]


def improve(sub, loads, capacity, slot, swaps=True, rounds=200):
    """Shift and swap moves on slots (columns of ``sub``) while the cost falls."""
    n, k = sub.shape
    slot = slot.copy()
    rows = np.arange(n)
    for _ in range(rounds):
        load = np.bincount(slot, weights=loads, minlength=k)
        current = sub[rows, slot]
        if _shift(sub, loads, capacity, slot, load, current):
            continue
        if not swaps or n > SWAP_LIMIT or not _swap(sub, loads, capacity, slot, load, current):
            break
    return slot


def _shift(sub, loads, capacity, slot, load, current) -> bool:
    """Every area's best improving move to a base with room, cheapest first, while they fit."""
    rows = np.arange(sub.shape[0])
    delta = sub - current[:, None]
    delta = np.where(load[None, :] + loads[:, None] <= capacity + 1e-9, delta, np.inf)
    delta[rows, slot] = np.inf
    target = np.argmin(delta, axis=1)
    gain = delta[rows, target]
    movers = np.flatnonzero(gain < -1e-9 * max(1.0, abs(float(current.sum())) / len(rows)))
    moved = False
    for area in movers[np.argsort(gain[movers], kind="stable")]:
        to = target[area]
        if load[to] + loads[area] <= capacity + 1e-9:
            load[slot[area]] -= loads[area]
            load[to] += loads[area]
            slot[area], moved = to, True
    return moved


def _swap(sub, loads, capacity, slot, load, current) -> bool:
    """The best exchange of two areas between catchments, applied; False if none improves."""
    to_other = sub[:, slot]  # [a, b]: cost of a at b's base
    delta = to_other + to_other.T - current[:, None] - current[None, :]
    room_a = load[slot][:, None] - loads[:, None] + loads[None, :] <= capacity + 1e-9
    fits = room_a & room_a.T & (slot[:, None] != slot[None, :])
    delta = np.where(fits, delta, np.inf)
    a, b = np.unravel_index(np.argmin(delta), delta.shape)
    if not delta[a, b] < -1e-9 * max(1.0, abs(current.sum())):
        return False
    slot[a], slot[b] = slot[b], slot[a]
    return True


def solve_assignment(cost, loads, capacity, sites, time_limit, start=None):
    """The cheapest assignment of every area to one of ``sites`` within capacity (HiGHS), or
    None when none was found in time."""
    n, k = cost.shape[0], len(sites)
    x = np.arange(n * k)
    area, slot = np.divmod(x, k)
    matrix = sparse.csc_matrix(
        (
            np.concatenate([np.ones(n * k), loads[area]]),
            (np.concatenate([area, n + slot]), np.concatenate([x, x])),
        ),
        shape=(n + k, n * k),
    )
    model = highs.Milp(
        cost=cost[:, sites].ravel(),
        col_lower=np.zeros(n * k),
        col_upper=np.ones(n * k),
        integer=np.ones(n * k, bool),
        matrix=matrix,
        row_lower=np.concatenate([np.ones(n), np.full(k, -np.inf)]),
        row_upper=np.concatenate([np.ones(n), np.full(k, capacity)]),
    )
    values = None
    if start is not None:
        position = {int(s): p for p, s in enumerate(sites)}
        if all(int(s) in position for s in np.unique(start)):
            values = np.zeros(n * k)
            values[np.arange(n) * k + np.array([position[int(s)] for s in start])] = 1.0
    outcome = highs.solve(model, time_limit=time_limit, start=values)
    if outcome.values is None:
        return None
    chosen = outcome.values.reshape(n, k).argmax(axis=1)
    return np.asarray(sites)[chosen]


def relocate(cost, loads, capacity, plan, deadline, candidates=8):
    """Move one base at a time to a nearby candidate site (the cheapest for its current
    catchment), reassign (local search from the current catchments, and afresh from nearest
    bases with capacity repair), keep the move when the cost falls."""
    sites = np.unique(plan)
    slot = np.searchsorted(sites, plan)
    rows = np.arange(len(plan))
    best = float(cost[rows, plan].sum())
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for s in range(sites.size):
            median = cost[slot == s].sum(axis=0)
            median[sites] = np.inf
            for j in np.argsort(median)[:candidates]:
                trial = sites.copy()
                trial[s] = j
                for moved in _reassignments(cost[:, trial], loads, capacity, slot):
                    value = float(cost[rows, trial[moved]].sum())
                    if value < best - 1e-9 * abs(best):
                        sites, slot, best, improved = trial, moved, value, True
                if improved or time.perf_counter() >= deadline:
                    break
            if time.perf_counter() >= deadline:
                break
    return sites[slot]


def _reassignments(sub, loads, capacity, slot):
    yield improve(sub, loads, capacity, slot)
    fresh = _nearest_with_room(sub, loads, capacity)
    if fresh is not None:
        yield improve(sub, loads, capacity, fresh)


def _nearest_with_room(sub, loads, capacity):
    """Areas in order of regret (second-cheapest minus cheapest base) to the cheapest base
    with room; None when one fits nowhere."""
    n, k = sub.shape
    ordered = np.sort(sub, axis=1)
    regret = ordered[:, 1] - ordered[:, 0] if k > 1 else np.zeros(n)
    load = np.zeros(k)
    slot = np.empty(n, dtype=np.int64)
    for area in np.argsort(-regret, kind="stable"):
        room = load + loads[area] <= capacity + 1e-9
        if not room.any():
            return None
        target = int(np.argmin(np.where(room, sub[area], np.inf)))
        slot[area], load[target] = target, load[target] + loads[area]
    return slot
