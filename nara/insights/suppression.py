"""Small-count suppression for published statistics: one module, used by the open statistics
pages and (later) the API, so both publish exactly the same figures. Pure functions: no
Django, no database.

**Input.** Counts by key ({key: int}), the additive relations published with them as groups
(total, (part, part, …)) — a municipality month is the sum of its centres' months, and also of
its areas' months; offers answered = accepted + declined — and, apart from those, totals that
are published only when every one of their parts is (`totals`: the year = its months).

**Primary suppression.** Every count below 5 (0 to 4) is shown as "fewer than 5" (FEW). Zero
too: the rule is "any cell below 5", and a published 0 beside a "fewer than 5" would tell that
the hidden cell holds at least one person (and gives the attacker one more exact value).

**Complementary suppression.** A hidden cell could be worked out from a total and the other
cells of its group, so in every group with hidden cells more are hidden (HIDDEN), the smallest
first, until
  1. no group has exactly one hidden cell (it would be the total minus the others), and no
     group has only "fewer than 5" cells hidden (their sum would be known, and several cells
     each known to be 0–4 with a known sum can pin each other: two zeros, 4 + 4 = 8);
  2. no hidden cell is determined by the groups together (a cell on no cycle of hidden cells:
     checked with linear algebra, per connected set of hidden cells),
repeating across linked groups until nothing changes.

**Totals over periods** (`totals`) are published only when all of their parts are: a year
total beside a hidden month would give away that month, and a total that is the sum of
published cells gives away nothing. So the months' pattern never depends on the year total,
and a month published once stays published the same way when later months arrive.

**Rates** are shown only when their numerator and denominator are (the denominator's other
part is then known anyway); **unique counts** (people reached), which do not add up, only when
at least 5 and beside a published count of the same cell.

tests/insights/test_suppression_recovery.py checks the result as an attacker would: the
smallest and largest value each "fewer than 5" cell can take under every published equation.
"""

import dataclasses

import numpy as np

THRESHOLD = 5
SHOWN, FEW, HIDDEN = "shown", "few", "hidden"


@dataclasses.dataclass(frozen=True)
class Figure:
    """A published number: the value when shown, else None and why (FEW or HIDDEN)."""

    value: int | float | None
    status: str

    @property
    def shown(self):
        return self.status == SHOWN

    def as_dict(self):
        return {"value": self.value, "status": self.status}


def suppress(values, groups=(), *, totals=None, threshold=THRESHOLD):
    """{key: Figure} for every key of `values` and of `totals`.

    `values`: {key: count}; `groups`: [(total key, (part keys…))] that hold among the values;
    `totals`: {key: (part keys…)}, derived totals, shown only when every part is shown."""
    status = {key: FEW if n < threshold else SHOWN for key, n in values.items()}
    order = {key: i for i, key in enumerate(values)}
    groups = [(total, tuple(parts)) for total, parts in groups]
    members = [(total, *parts) for total, parts in groups]
    for group in members:
        missing = [key for key in group if key not in values]
        if missing:
            raise KeyError(f"group refers to unknown cells: {missing[:3]}")
    of_cell = {}
    for i, group in enumerate(members):
        for key in group:
            of_cell.setdefault(key, []).append(i)

    roomy = threshold + threshold - 1

    def hide_smallest(group_indexes):
        candidates = [key for i in group_indexes for key in members[i] if status[key] == SHOWN]
        if not candidates:
            return None
        chosen = min(candidates, key=lambda key: (values[key] < roomy, values[key], order[key]))
        status[chosen] = HIDDEN
        return chosen

    pending = [i for i, group in enumerate(members) if any(status[k] != SHOWN for k in group)]
    while True:
        while pending:
            i = pending.pop()
            if _exposed(i, members, of_cell, values, status, threshold):
                chosen = hide_smallest([i])
                if chosen is not None:
                    pending.extend(of_cell[chosen])
        determined = _determined(status, members)
        added = None
        for key in sorted(determined, key=order.get):
            added = hide_smallest(of_cell.get(key, ()))
            if added is not None:
                break
        if added is None:
            break
        pending.extend(of_cell[added])

    result = {
        key: Figure(values[key] if status[key] == SHOWN else None, status[key]) for key in values
    }
    for key, parts in (totals or {}).items():
        value = sum(values[part] for part in parts)
        if value < threshold:
            result[key] = Figure(None, FEW)
        elif all(status[part] == SHOWN for part in parts):
            result[key] = Figure(value, SHOWN)
        else:
            result[key] = Figure(None, HIDDEN)
    return result


def _exposed(index, members, of_cell, values, status, threshold):
    """Whether a "fewer than 5" cell of group `index` cannot take every value from 0 to 4 as
    far as this group goes: the group's other hidden cells must be able to make up for it
    moving all the way up and all the way down. How far another hidden cell can move is its
    own room (a hidden cell is at least 5 with no upper bound, a "fewer than 5" one lies
    between 0 and 4), limited by what its other groups can make up for in turn (one step
    further: a hidden 5 whose column partner is also 5 cannot move at all)."""
    top = threshold - 1

    def own(key, rising):
        if status[key] == FEW:
            return top - values[key] if rising else values[key]
        return float("inf") if rising else values[key] - threshold

    def room(key, rising, via, depth):
        best = own(key, rising)
        if depth == 0 or best == 0:
            return best
        for other_index in of_cell[key]:
            if other_index != via:
                best = min(best, absorb(other_index, key, rising, depth - 1))
        return best

    def absorb(group_index, key, rising, depth):
        """How far the rest of the group can make up for `key` moving (rising or not)."""
        group = members[group_index]
        sign = {k: (1 if i == 0 else -1) for i, k in reversed(list(enumerate(group)))}
        total = 0
        for other in group:
            if other == key or status[other] == SHOWN:
                continue
            # The same sign moves the other way, the opposite sign the same way.
            other_rising = rising != (sign[other] == sign[key])
            total += room(other, other_rising, group_index, depth)
        return total

    for key in members[index]:
        if status[key] != FEW:
            continue
        if absorb(index, key, True, 1) < own(key, True) or absorb(index, key, False, 1) < own(
            key, False
        ):
            return True
    return False


def _determined(status, members):
    """Hidden cells whose value the published equations fix, whatever the bounds."""
    hidden = [key for key in status if status[key] != SHOWN]
    column = {key: i for i, key in enumerate(hidden)}
    equations = []
    parent = list(range(len(hidden)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in members:
        row = {}
        for position, key in enumerate(group):
            if key in column:
                row[column[key]] = row.get(column[key], 0) + (1 if position == 0 else -1)
        row = {c: v for c, v in row.items() if v}
        if row:
            equations.append(row)
            first, *rest = row
            for other in rest:
                parent[find(other)] = find(first)
    components = {}
    for row in equations:
        components.setdefault(find(next(iter(row))), []).append(row)
    determined = set()
    for rows in components.values():
        columns = sorted({c for row in rows for c in row})
        index = {c: i for i, c in enumerate(columns)}
        matrix = np.zeros((len(rows), len(columns)))
        for r, row in enumerate(rows):
            for c, v in row.items():
                matrix[r, index[c]] = v
        _u, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-9).sum())
        null = vt[rank:]
        for c in columns:
            if null.shape[0] == 0 or np.all(np.abs(null[:, index[c]]) < 1e-9):
                determined.add(hidden[c])
    return determined


def rate(numerator, denominator):
    """numerator / denominator as a Figure: shown only when both counts are shown (and the
    denominator is not 0); else hidden, or FEW when either count is."""
    if numerator.shown and denominator.shown and denominator.value:
        return Figure(numerator.value / denominator.value, SHOWN)
    few = FEW in (numerator.status, denominator.status)
    return Figure(None, FEW if few else HIDDEN)


def unique_count(value, beside, threshold=THRESHOLD):
    """A count that does not add up (people reached): FEW below 5, shown only beside the
    published count (`beside`, a Figure) of the same cell, which it can never exceed."""
    if value < threshold:
        return Figure(None, FEW)
    if not beside.shown:
        return Figure(None, HIDDEN)
    return Figure(value, SHOWN)
