"""Charts drawn on the server as inline SVG: no script, no chart library, no request elsewhere.

Each function takes figures and the words to show (already in the reader's language) and returns
markup in which every text is escaped. A chart with nothing to draw is a sentence saying so, not
an empty frame. Colour is never the only cue: the series also differ by fill pattern, bars carry
their value (or a tooltip), and the page puts a table of the same figures beside each chart.

The pages' security policy forbids inline styles, so everything is drawn with SVG presentation
attributes. Horizontal bars are laid out in percentages of the page's width and pixel heights, so
their text keeps its size on a phone instead of shrinking with the drawing; the monthly columns
keep a natural pixel size and scroll sideways inside their own box when the screen is narrower.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup

Format = Callable[[float], str]
Row = tuple[str, Sequence[float]]

# One colour and one fill pattern per series: dark enough on white for graphical objects
# (WCAG 1.4.11, ≥ 3:1), and told apart without colour by the pattern.
COLOURS = ("#0b6e4f", "#2f5fa7", "#a34d00", "#6b3fa0")
INK, MUTED, GRID = "#1d2433", "#5b6475", "#d9dee7"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
BAR_SHARE = 85.0  # the longest horizontal bar, in % of the width: its value is written after it
CHAR_WIDTH = 0.6  # of the font size: a generous estimate of a character's advance


def plain(value: float) -> str:
    """A figure as digits (the pages pass a formatter for the reader's locale)."""
    return f"{value:g}"


def no_data(text: str) -> Markup:
    """What a chart with nothing to draw shows."""
    return Markup('<p class="no-data">{}</p>').format(text)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _fill(chart_id: str, series: int) -> str:
    return COLOURS[0] if series == 0 else f"url(#{chart_id}-p{series})"


_SHAPES = (
    Markup('<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/>'),
    Markup('<circle cx="3" cy="3" r="1.3" fill="#fff"/>'),
    Markup('<line x1="0" y1="3" x2="6" y2="3" stroke="#fff" stroke-width="1.5"/>'),
)


def _patterns(chart_id: str, count: int) -> Markup:
    """Series 0 is solid; the next are striped, dotted, barred, each in its own colour."""
    parts = [
        Markup(
            '<pattern id="{id}-p{n}" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate({angle})"><rect width="6" height="6" fill="{colour}"/>'
            "{shape}</pattern>"
        ).format(
            id=chart_id,
            n=series,
            angle=45 if series == 1 else 0,
            colour=COLOURS[series],
            shape=_SHAPES[series - 1],
        )
        for series in range(1, min(count, len(COLOURS)))
    ]
    return Markup("<defs>{}</defs>").format(Markup("").join(parts)) if parts else Markup("")


def _open(chart_id: str, width: str, height: float, title: str, description: str) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart-svg" width="{w}" '
        'height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{font}" '
        'font-size="12" fill="{ink}"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>'
    ).format(
        id=chart_id, w=width, h=f"{height:g}", font=FONT, ink=INK, title=title, desc=description
    )


def _legend(
    chart_id: str, series: Sequence[str], *, stacked: bool = False
) -> tuple[Markup, float, float]:
    """The series' names beside a swatch of their fill, on one line (or one under the other when
    stacked, to stay narrow); with the legend's width and height."""
    parts, x, y, width = [], 0.0, 0.0, 0.0
    for index, name in enumerate(series):
        parts.append(
            Markup(
                '<rect x="{x:g}" y="{y:g}" width="12" height="12" fill="{fill}"/>'
                '<text x="{tx:g}" y="{ty:g}">{name}</text>'
            ).format(x=x, y=y, fill=_fill(chart_id, index), tx=x + 16, ty=y + 10, name=name)
        )
        item = 16 + _text_width(name, 12)
        width = max(width, x + item)
        if stacked:
            y += 17
        else:
            x += item + 14
    height = y if stacked else 17.0
    return Markup('<g class="legend">{}</g>').format(Markup("").join(parts)), width, height


def _tick_step(value: float) -> float:
    """The step between the axis' ticks: a whole 1, 2 or 5 times a power of ten, so that four
    steps or fewer reach the value (the figures are counts: never a fraction)."""
    if value <= 4:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value / 4))
    return next(step * power for step in (1, 2, 5, 10) if value <= 4 * step * power)


def columns(
    groups: Sequence[Row],
    series: Sequence[str],
    *,
    chart_id: str,
    title: str,
    description: str,
    empty: str,
    fmt: Format = plain,
) -> Markup:
    """Grouped vertical bars: one group per label (a month), one bar per series in each."""
    if not any(value for _, values in groups for value in values):
        return no_data(empty)
    highest = max(value for _, values in groups for value in values)
    step_value = _tick_step(highest)
    top = step_value * math.ceil(highest / step_value)
    ticks = [step_value * i for i in range(round(top / step_value) + 1)]
    axis = max(_text_width(fmt(tick), 11) for tick in ticks) + 8
    bar, gap = 16.0, 2.0
    group_width = len(series) * bar + (len(series) - 1) * gap
    step = max(group_width + 18, max(_text_width(label, 11) for label, _ in groups) + 8)
    legend, legend_width, legend_height = _legend(chart_id, series, stacked=True)
    plot_top, plot_height = legend_height + 14, 160.0
    base = plot_top + plot_height
    width = max(axis + step * len(groups) + 4, legend_width)
    parts = [_open(chart_id, f"{width:g}", base + 22, title, description)]
    parts += [_patterns(chart_id, len(series)), legend]
    for tick in ticks:
        y = base - plot_height * tick / top
        parts.append(
            Markup(
                '<line x1="{x:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" stroke="{grid}"/>'
                '<text x="{tx:g}" y="{ty:g}" text-anchor="end" font-size="11" fill="{muted}">'
                "{label}</text>"
            ).format(
                x=axis,
                y=y,
                x2=width,
                grid=GRID,
                tx=axis - 4,
                ty=y + 4,
                muted=MUTED,
                label=fmt(tick),
            )
        )
    for index, (label, values) in enumerate(groups):
        left = axis + index * step + (step - group_width) / 2
        for number, value in enumerate(values):
            height = plot_height * value / top
            parts.append(
                Markup(
                    '<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" fill="{fill}" '
                    'data-value="{v:g}"><title>{label} · {name}: {shown}</title></rect>'
                ).format(
                    x=left + number * (bar + gap),
                    y=base - height,
                    w=bar,
                    h=height,
                    fill=_fill(chart_id, number),
                    v=value,
                    label=label,
                    name=series[number],
                    shown=fmt(value),
                )
            )
        parts.append(
            Markup(
                '<text x="{x:g}" y="{y:g}" text-anchor="middle" font-size="11">{label}</text>'
            ).format(x=axis + index * step + step / 2, y=base + 16, label=label)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def bars(
    rows: Sequence[Row],
    series: Sequence[str],
    *,
    chart_id: str,
    title: str,
    description: str,
    empty: str,
    fmt: Format = plain,
) -> Markup:
    """Horizontal bars, one row per label (a category, a territory), one bar per series; each
    row's label above its bars, each bar's value after it. Rows that are all zero are left out."""
    shown = [(label, values) for label, values in rows if any(values)]
    if not shown:
        return no_data(empty)
    top = max(value for _, values in shown for value in values)
    legend, _, height = _legend(chart_id, series) if len(series) > 1 else (Markup(""), 0, 0)
    y = height + 7 if len(series) > 1 else 0.0
    body = []
    for label, values in shown:
        body.append(
            Markup('<text x="0" y="{y:g}" font-weight="600">{label}</text>').format(
                y=y + 13, label=label
            )
        )
        y += 18
        for number, value in enumerate(values):
            share = BAR_SHARE * value / top
            body.append(
                Markup(
                    '<rect x="0" y="{y:g}" width="{w:.2f}%" height="14" fill="{fill}" '
                    'data-value="{v:g}"><title>{label} · {name}: {shown}</title></rect>'
                    '<text x="{w:.2f}%" dx="4" y="{ty:g}" font-size="11">{shown}</text>'
                ).format(
                    y=y,
                    w=share,
                    fill=_fill(chart_id, number),
                    v=value,
                    label=label,
                    name=series[number],
                    shown=fmt(value),
                    ty=y + 11,
                )
            )
            y += 17
        y += 8
    head = _open(chart_id, "100%", y, title, description)
    return Markup("").join(
        [head, _patterns(chart_id, len(series)), legend, *body, Markup("</svg>")]
    )


def funnel(
    steps: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    description: str,
    empty: str,
    fmt: Format = plain,
    share: Format | None = None,
) -> Markup:
    """Steps that narrow (collected → refurbished → redistributed → handed over): each a bar
    centred under the first, as wide as its share of the first, its figure and share above it."""
    first = steps[0][1] if steps else 0
    top = max((value for _, value in steps), default=0)
    if top <= 0:
        return no_data(empty)
    body, y = [], 0.0
    for index, (label, value) in enumerate(steps):
        width = 100 * value / top
        caption = fmt(value)
        if share is not None and first and index:
            caption = f"{caption} ({share(value / first)})"
        body.append(
            Markup(
                '<text x="50%" y="{ty:g}" text-anchor="middle"><tspan font-weight="600">'
                "{label}</tspan> · {caption}</text>"
                '<rect x="{x:.2f}%" y="{y:g}" width="{w:.2f}%" height="18" rx="2" '
                'fill="{fill}" data-value="{v:g}"/>'
            ).format(
                ty=y + 13,
                label=label,
                caption=caption,
                x=(100 - width) / 2,
                y=y + 18,
                w=width,
                fill=COLOURS[0],
                v=value,
            )
        )
        y += 44
    head = _open(chart_id, "100%", y, title, description)
    return Markup("").join([head, *body, Markup("</svg>")])
