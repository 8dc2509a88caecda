"""Bar charts drawn on the server as plain HTML (a labelled row, a track and a bar whose width
is a share of the track): readable at 360 px (the text never scales down, unlike a fixed SVG),
printed as they are by the PDF report, no script and no third-party file.

The templates ``maps/statistics/_bars.html`` (pages) and ``reports/monthly.html`` (PDF) draw
what ``bar_rows`` prepares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def bar_rows(
    items: Iterable[dict],
    *,
    value: str,
    label: Callable[[dict], str] | str = "name",
    display: Callable[[dict], str] | None = None,
    maximum: float | None = None,
    css: Callable[[dict], str] | None = None,
) -> list[dict]:
    """``[{"label", "value", "display", "width", "css"}]``: ``width`` in per cent of
    ``maximum`` (default: the largest value), a missing value drawn as no bar.

    >>> [r["width"] for r in bar_rows([{"name": "a", "n": 5}, {"name": "b", "n": 10}], value="n")]
    [50.0, 100.0]
    >>> bar_rows([{"name": "a", "n": None}], value="n", maximum=100)[0]["display"]
    '–'
    """
    items = list(items)
    values = [i.get(value) for i in items]
    top = maximum if maximum is not None else max([v for v in values if v] or [0])
    out = []
    for item, v in zip(items, values, strict=True):
        width = round(100 * min(v, top) / top, 1) if v and top else 0.0
        shown = display(item) if display else ("–" if v is None else f"{v:,}")
        out.append(
            {
                "label": label(item) if callable(label) else item.get(label, ""),
                "value": v,
                "display": shown,
                "width": width,
                "css": css(item) if css else "",
            }
        )
    return out


def percent(value: float | None) -> str:
    """A share for people: ``84.5 %``; none: ``–``.

    >>> percent(84.5), percent(None), percent(100.0)
    ('84.5 %', '–', '100 %')
    """
    if value is None:
        return "–"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} %"
