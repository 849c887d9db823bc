"""Charts drawn on the server as SVG: bars and trend lines, no JavaScript.

Each chart is an image with a title and a description (``role="img"``, ``<title>`` and
``<desc>`` named by ``aria-labelledby``); the page puts the chart's table right after it, so
a screen reader or a printout without colour still has every figure. Colours are the
Okabe-Ito palette, distinguishable with colour-blindness, and each series is also told
apart by its place in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
WIDTH = 640
LEFT, RIGHT, TOP = 190, 16, 30
BAR = 12
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def _ticks(top: int) -> list[int]:
    """Four or five round steps from 0 to at least ``top``."""
    step = 1
    while top / step > 5:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return list(range(0, top + step, step)) if top else [0, 1]


def _open(title: str, desc: str, height: int) -> tuple[str, str]:
    n = next(_ids)
    head = format_html(
        # No fixed size: the chart takes its box's width (a phone's, an A4 page's) and keeps
        # its proportions from the viewBox.
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-labelledby="chart-{}-t chart-{}-d">'
        '<title id="chart-{}-t">{}</title><desc id="chart-{}-d">{}</desc>',
        WIDTH,
        height,
        n,
        n,
        n,
        title,
        n,
        desc,
    )
    return head, "</svg>"


def _text(x: float, y: float, words: str, *, anchor: str = "start", size: int = 11) -> str:
    return format_html(
        '<text x="{}" y="{}" font-size="{}" font-family="DejaVu Sans, sans-serif" '
        'text-anchor="{}" fill="#1b1b1b">{}</text>',
        f"{x:.1f}",
        f"{y:.1f}",
        size,
        anchor,
        words,
    )


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts, x = [], float(LEFT)
    for colour, s in zip(COLOURS, series, strict=False):
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, y, s.name))
        x += 24 + 6.5 * len(s.name)
    return parts


def bar_chart(title: str, desc: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """Horizontal grouped bars: one group per label, one bar per series."""
    group = BAR * len(series) + 10
    plot = group * len(labels)
    height = TOP + plot + 44
    top = max([v for s in series for v in s.values] or [0])
    ticks = _ticks(top)
    scale = (WIDTH - LEFT - RIGHT) / ticks[-1]
    head, tail = _open(title, desc, height)
    parts = [head, _text(0, 16, title, size=13)]
    for tick in ticks:
        x = LEFT + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot}" stroke="#d0d0d0"/>'
        )
        parts.append(_text(x, TOP + plot + 14, str(tick), anchor="middle", size=10))
    for i, label in enumerate(labels):
        y0 = TOP + i * group
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(_text(LEFT - 6, y0 + group / 2 + 3, short, anchor="end", size=10))
        for j, (colour, s) in enumerate(zip(COLOURS, series, strict=False)):
            value = s.values[i]
            parts.append(
                f'<rect x="{LEFT}" y="{y0 + j * BAR:.1f}" width="{max(value * scale, 0.5):.1f}" '
                f'height="{BAR - 2}" fill="{colour}"/>'
            )
    parts += _legend(series, height - 8)
    parts.append(tail)
    # Every word above went through format_html; the rest are numbers and colours.
    return mark_safe("".join(parts))


def line_chart(
    title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """Trend lines: one point per label (oldest first), one line per series."""
    height = 240
    plot_h = height - TOP - 60
    left = 40
    top = max([v for s in series for v in s.values] or [0])
    ticks = _ticks(top)
    scale = plot_h / ticks[-1]
    step = (WIDTH - left - RIGHT) / max(len(labels) - 1, 1)
    head, tail = _open(title, desc, height)
    parts = [head, _text(0, 16, title, size=13)]
    base = TOP + plot_h
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d0d0"/>'
        )
        parts.append(_text(left - 6, y + 3, str(tick), anchor="end", size=10))
    for i, label in enumerate(labels):
        parts.append(_text(left + i * step, base + 16, label, anchor="middle", size=9))
    for colour, s in zip(COLOURS, series, strict=False):
        points = " ".join(
            f"{left + i * step:.1f},{base - v * scale:.1f}" for i, v in enumerate(s.values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle cx="{left + i * step:.1f}" cy="{base - v * scale:.1f}" r="3.5" '
                f'fill="{colour}"/>'
            )
    parts += _legend_line(series, height - 10, left)
    parts.append(tail)
    # Every word above went through format_html; the rest are numbers and colours.
    return mark_safe("".join(parts))


def _legend_line(series: Sequence[Series], y: float, left: int) -> list[str]:
    parts, x = [], float(left)
    for colour, s in zip(COLOURS, series, strict=False):
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 14:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
        parts.append(_text(x + 18, y, s.name))
        x += 30 + 6.5 * len(s.name)
    return parts
