"""The embeddable impact badge (``/impact/widget.svg``): the network's main counters and the
caveat in small type, as a standalone SVG image with no script and every text escaped."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from markupsafe import Markup

from collecte.impact.charts import COLOURS, FONT, INK, MUTED

WIDTH, HEIGHT = 360, 188
CAVEAT_CHARACTERS = 66  # per line of the 9 px caveat within the badge's width


def badge(*, title: str, figures: Sequence[tuple[str, str]], caveat: str, language: str) -> str:
    """A 360 × 188 badge: a title, four figures (value, then what it counts) in two columns, the
    caveat and the factor version on the last lines."""
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            'viewBox="0 0 {w} {h}" role="img" aria-labelledby="t" xml:lang="{lang}" '
            'font-family="{font}" fill="{ink}"><title id="t">{title}</title>'
            '<rect x="0.5" y="0.5" width="{rw}" height="{rh}" rx="8" fill="#fff" '
            'stroke="{accent}"/>'
            '<rect x="0.5" y="0.5" width="{rw}" height="30" rx="8" fill="{accent}"/>'
            '<rect x="0.5" y="22" width="{rw}" height="9" fill="{accent}"/>'
            '<text x="14" y="20.5" font-size="14" font-weight="700" fill="#fff">{title}</text>'
        ).format(
            w=WIDTH,
            h=HEIGHT,
            rw=WIDTH - 1,
            rh=HEIGHT - 1,
            lang=language,
            font=FONT,
            ink=INK,
            accent=COLOURS[0],
            title=title,
        )
    ]
    for index, (value, words) in enumerate(figures[:4]):
        x = 14 + (index % 2) * (WIDTH // 2)
        y = 62 + (index // 2) * 48
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" font-size="19" font-weight="700">{value}</text>'
                '<text x="{x}" y="{y2}" font-size="11" fill="{muted}">{words}</text>'
            ).format(x=x, y=y, y2=y + 16, value=value, words=words, muted=MUTED)
        )
    for line, text in enumerate(textwrap.wrap(caveat, CAVEAT_CHARACTERS)[:3]):
        parts.append(
            Markup('<text x="14" y="{y}" font-size="9" fill="{muted}">{text}</text>').format(
                y=150 + line * 12, text=text, muted=MUTED
            )
        )
    parts.append(Markup("</svg>"))
    return str(Markup("").join(parts))
