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
    # Groups that share no cell are suppressed apart (at city scale: one set per month).
    for part in _connected(members):
        _complement(part, values, status, order, threshold)

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


class _Room:
    """How far hidden cells can move, for the check of rule 1: whether a "fewer than 5" cell of
    a group cannot take every value from 0 to 4 as far as this group goes. The group's other
    hidden cells must be able to make up for it moving all the way up and all the way down
    (the total moves with the parts, the parts against each other). How far another hidden
    cell can move is its own room (a hidden cell is at least 5 with no upper bound, a "fewer
    than 5" one lies between 0 and 4), limited by what its other groups can make up for in
    turn, one step further (a hidden 5 whose column partner is also 5 cannot move at all).

    Sums per group, sign and direction are kept (with the number of unbounded rooms apart) and
    renewed when a member is hidden, so a check costs the group's size, not its square."""

    def __init__(self, members, of_cell, values, status, threshold):
        self.members, self.of_cell, self.values, self.status = members, of_cell, values, status
        self.threshold, self.top = threshold, threshold - 1
        self.signs = [
            {k: (1 if i == 0 else -1) for i, k in reversed(list(enumerate(g)))} for g in members
        ]
        self.sums = {}

    def changed(self, key):
        for index in self.of_cell.get(key, ()):
            self.sums.pop(index, None)

    def own(self, key, rising):
        value = self.values[key]
        if self.status[key] == FEW:
            return self.top - value if rising else value
        return INF if rising else value - self.threshold

    def _sums(self, index):
        """{(sign, rising): [finite sum, unbounded count]} of the hidden members' own rooms."""
        if index not in self.sums:
            sums = {(sign, rising): [0, 0] for sign in (1, -1) for rising in (True, False)}
            for key, sign in self.signs[index].items():
                if self.status[key] != SHOWN:
                    for rising in (True, False):
                        _add(sums[(sign, rising)], self.own(key, rising), 1)
            self.sums[index] = sums
        return self.sums[index]

    def _absorb(self, index, key, rising):
        """How far the rest of group `index` makes up for the hidden `key` moving, each other
        hidden member by its own room."""
        sums, sign = self._sums(index), self.signs[index][key]
        # The same sign moves the other way, the opposite sign the same way.
        same, opposite = list(sums[(sign, not rising)]), list(sums[(-sign, rising)])
        _add(same, self.own(key, not rising), -1)
        return _value(same) + _value(opposite)

    def _room(self, key, rising, via):
        """The room of a hidden member of group `via`, limited by its other groups."""
        best = self.own(key, rising)
        for other in self.of_cell[key]:
            if other != via and best > 0:
                best = min(best, self._absorb(other, key, rising))
        return best

    def exposed(self, index):
        hidden = [k for k in self.signs[index] if self.status[k] != SHOWN]
        if not any(self.status[k] == FEW for k in hidden):
            return False
        rooms = {k: (self._room(k, True, index), self._room(k, False, index)) for k in hidden}
        sums = {(sign, rising): [0, 0] for sign in (1, -1) for rising in (True, False)}
        for key, (up, down) in rooms.items():
            sign = self.signs[index][key]
            _add(sums[(sign, True)], up, 1)
            _add(sums[(sign, False)], down, 1)
        for key in hidden:
            if self.status[key] != FEW:
                continue
            sign = self.signs[index][key]
            for rising in (True, False):
                same, opposite = list(sums[(sign, not rising)]), list(sums[(-sign, rising)])
                _add(same, rooms[key][0 if not rising else 1], -1)
                if _value(same) + _value(opposite) < self.own(key, rising):
                    return True
        return False


INF = float("inf")


def _add(total, room, times):
    if room == INF:
        total[1] += times
    else:
        total[0] += times * room


def _value(total):
    return INF if total[1] > 0 else total[0]


def _connected(members):
    """The groups split into sets that share no cell."""
    parent = list(range(len(members)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_group = {}
    for i, group in enumerate(members):
        for key in group:
            j = first_group.setdefault(key, i)
            parent[find(i)] = find(j)
    parts = {}
    for i, group in enumerate(members):
        parts.setdefault(find(i), []).append(group)
    return list(parts.values())


def _complement(members, values, status, order, threshold):
    """Complementary suppression in one connected set of groups (rules 1 and 2 above)."""
    of_cell = {}
    for i, group in enumerate(members):
        for key in group:
            of_cell.setdefault(key, []).append(i)
    cells = list(of_cell)
    roomy = threshold + threshold - 1

    def smallest(group_indexes):
        candidates = [key for i in group_indexes for key in members[i] if status[key] == SHOWN]
        if not candidates:
            return None
        return min(candidates, key=lambda key: (values[key] < roomy, values[key], order[key]))

    room = _Room(members, of_cell, values, status, threshold)

    def hide(key):
        status[key] = HIDDEN
        room.changed(key)
        pending.extend(of_cell[key])

    pending = [i for i, group in enumerate(members) if any(status[k] != SHOWN for k in group)]
    known = {}
    while True:
        while pending:
            i = pending.pop()
            if room.exposed(i):
                chosen = smallest([i])
                if chosen is not None:
                    hide(chosen)
        # Cells the groups fix together: one more hidden cell beside each (one per group
        # touched in this round, then the groups are checked again).
        touched = set()
        for key in sorted(_determined(status, members, known, cells), key=order.get):
            if touched.isdisjoint(of_cell.get(key, ())):
                chosen = smallest(of_cell.get(key, ()))
                if chosen is not None:
                    hide(chosen)
                    touched.update(of_cell[chosen])
        if not touched:
            break


def _determined(status, members, known, cells):
    """Hidden cells whose value the published equations fix, whatever the bounds. `known`
    keeps the answer per connected set of hidden cells (its equations follow from the set),
    so a round only decomposes the sets that changed."""
    hidden = [key for key in cells if status[key] != SHOWN]
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
        name = frozenset(hidden[c] for c in columns)
        if name in known:
            determined |= known[name]
            continue
        index = {c: i for i, c in enumerate(columns)}
        matrix = np.zeros((len(rows), len(columns)))
        for r, row in enumerate(rows):
            for c, v in row.items():
                matrix[r, index[c]] = v
        _u, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-9).sum())
        fixed = np.all(np.abs(vt[rank:]) < 1e-9, axis=0)
        known[name] = {hidden[c] for c in columns if fixed[index[c]]}
        determined |= known[name]
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
