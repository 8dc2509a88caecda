"""How a choropleth's colours are cut: class intervals, their colours and legend labels.

The dashboards (``layers.selectors.dashboards``) classify the figure of every area here, so the
page's legend, its colours and the API's ``classes`` member say the same. Three methods:

* ``quantiles`` (the default for counts, rates and days): each class holds about as many areas
  as the next; the cut points are the ``i/k`` quantiles of the values, linearly interpolated
  (numpy's and mapclassify's ``Quantiles``). Good for ranking areas against each other.
* ``natural_breaks``: Fisher's exact optimal partition ("Fisher–Jenks": Fisher 1958, Jenks
  1977; mapclassify's ``FisherJenks``): the ``k`` classes whose values lie closest to their
  class means (least within-class sum of squared deviations), found by dynamic programming.
  Good where the values fall in groups.
* ``target`` (the share closed, always): fixed classes that diverge from the department's 80 %
  target (``metrics.CLOSED_SHARE_TARGET_PERCENT``): four shades of red below it, two of blue
  at or above it, so a map of any month or level reads the same way.

A data-driven class holds the values ``low <= v <= high`` (the first class starts at the
smallest value; a value on a cut point belongs to the lower class, as in mapclassify); a target
class holds ``low <= v < high`` (the last includes 100). Fewer distinct values than classes
give fewer classes. Areas without a value (no population for a rate, no case for a share) get
no class: they are drawn as "no data", never as zero.

The sequential colours are ColorBrewer's OrRd, the diverging ones its RdBu (Cynthia Brewer,
Apache-2.0): both read for the common colour-vision deficiencies and in grey print.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from layers.metrics import CLOSED_SHARE_TARGET_PERCENT

QUANTILES = "quantiles"
NATURAL_BREAKS = "natural_breaks"
TARGET = "target"
METHODS = (QUANTILES, NATURAL_BREAKS)  # what a viewer may choose for the data-driven metrics
DEFAULT_CLASSES = 5

# ColorBrewer OrRd, light to dark, for 1..5 classes.
SEQUENTIAL = {
    1: ("#e34a33",),
    2: ("#fdbb84", "#e34a33"),
    3: ("#fee8c8", "#fdbb84", "#e34a33"),
    4: ("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"),
    5: ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
}
NO_DATA_COLOR = "#d4d4d4"

# The share closed: (low, high, colour), centred on the 80 % target (RdBu).
TARGET_CLASSES = (
    (0, 40, "#b2182b"),
    (40, 60, "#d6604d"),
    (60, 70, "#f4a582"),
    (70, CLOSED_SHARE_TARGET_PERCENT, "#fddbc7"),
    (CLOSED_SHARE_TARGET_PERCENT, 90, "#92c5de"),
    (90, 100, "#2166ac"),
)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    color: str
    label: str

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "color": self.color, "label": self.label}


@dataclass(frozen=True)
class Classes:
    method: str
    intervals: tuple[Interval, ...]
    # "upper": low <= v <= high, a value on a cut point in the lower class (data-driven);
    # "lower": low <= v < high, the last class closed (the target's).
    closed: str = "upper"
    center: float | None = None  # the diverging scale's centre (the target)

    def class_of(self, value) -> int | None:
        """The index of the value's class; None for no value (or no classes)."""
        if value is None or not self.intervals:
            return None
        last = len(self.intervals) - 1
        for i, iv in enumerate(self.intervals):
            if self.closed == "upper" and value <= iv.high:
                return i
            if self.closed == "lower" and value < iv.high:
                return i
        return last

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "inclusive": self.closed,
            "center": self.center,
            "intervals": [iv.as_dict() for iv in self.intervals],
            "no_data_color": NO_DATA_COLOR,
            "no_data_label": _("no data"),
        }


def quantile_breaks(values: Sequence[float], k: int) -> list[float]:
    """The upper bounds of ``k`` quantile classes (duplicates removed).

    >>> quantile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)
    [2.8, 4.6, 6.4, 8.2, 10.0]
    >>> quantile_breaks([0, 0, 0, 0, 7], 4)
    [0.0, 7.0]
    """
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return []
    n = len(ordered)
    out: list[float] = []
    for i in range(1, k + 1):
        pos = (n - 1) * i / k
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        cut = ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
        cut = round(cut, 10)
        if not out or cut > out[-1]:
            out.append(cut)
    return out


def natural_breaks(values: Sequence[float], k: int) -> list[float]:
    """The upper bounds of Fisher's optimal ``k`` classes (least within-class sum of squared
    deviations), by dynamic programming over the sorted values: O(k n²), instant for the at
    most few hundred areas of a level.

    >>> natural_breaks([1, 2, 3, 10, 11, 12, 30, 31], 3)
    [3.0, 12.0, 31.0]
    >>> natural_breaks([5, 5, 5], 3)
    [5.0]
    """
    ordered = sorted(float(v) for v in values)
    distinct = len(set(ordered))
    k = min(k, distinct)
    if k <= 0:
        return []
    n = len(ordered)
    if k == 1:
        return [ordered[-1]]
    # Prefix sums: the squared deviation of ordered[i:j] in O(1).
    s1 = [0.0] * (n + 1)
    s2 = [0.0] * (n + 1)
    for i, v in enumerate(ordered):
        s1[i + 1] = s1[i] + v
        s2[i + 1] = s2[i] + v * v

    def ssd(i: int, j: int) -> float:  # values i..j-1
        m = j - i
        total = s1[j] - s1[i]
        return s2[j] - s2[i] - total * total / m

    inf = float("inf")
    # cost[c][j]: the best cost of the first j values in c classes; cut[c][j]: where the last
    # class starts.
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    cost[0][0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            best, where = inf, c - 1
            for i in range(c - 1, j):
                if cost[c - 1][i] == inf:
                    continue
                value = cost[c - 1][i] + ssd(i, j)
                if value < best - 1e-12:
                    best, where = value, i
            cost[c][j], cut[c][j] = best, where
    ends = []
    j = n
    for c in range(k, 0, -1):
        ends.append(j)
        j = cut[c][j]
    ends.reverse()
    out: list[float] = []
    for end in ends:
        upper = ordered[end - 1]
        if not out or upper > out[-1]:
            out.append(upper)
    return out


def _number(value: float) -> str:
    """A cut point as a legend shows it: whole numbers without decimals.

    >>> _number(12.0), _number(3.25), _number(1234.5)
    ('12', '3.25', '1,234.5')
    """
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{round(value, 2):,}"


def classify(values: Iterable, *, method: str = QUANTILES, k: int = DEFAULT_CLASSES) -> Classes:
    """The classes of ``values`` (Nones ignored) by ``method``; see the module's docstring."""
    if method == TARGET:
        last = len(TARGET_CLASSES) - 1
        intervals = []
        for i, (low, high, color) in enumerate(TARGET_CLASSES):
            if i == 0:
                label = _("below %(high)s %%") % {"high": high}
            elif i == last:
                label = _("%(low)s %% or more") % {"low": low}
            else:
                label = _("%(low)s to below %(high)s %%") % {"low": low, "high": high}
            intervals.append(Interval(low, high, color, label))
        return Classes(TARGET, tuple(intervals), closed="lower", center=CLOSED_SHARE_TARGET_PERCENT)
    present = [float(v) for v in values if v is not None]
    if not present:
        return Classes(method, ())
    k = min(k, len(set(present)))  # no more classes than distinct values
    if method == NATURAL_BREAKS:
        uppers = natural_breaks(present, k)
    elif method == QUANTILES:
        uppers = quantile_breaks(present, k)
    else:
        raise ValueError(f"unknown classification method {method!r}")
    colors = SEQUENTIAL[len(uppers)]
    intervals = []
    low = min(present)
    for i, high in enumerate(uppers):
        label = _number(high) if low == high else f"{_number(low)} – {_number(high)}"
        intervals.append(Interval(low, high, colors[i], label))
        low = high
    return Classes(method, tuple(intervals))
