"""Colours, fonts and sizes of every chart: one place, no matplotlib rcParams (they are global state).

Charts are drawn on an opaque card with rounded, transparent corners. The bot cannot know which Slack
theme the reader uses (and a channel post is read on both), so the default "light" card is designed to sit
well on a dark sidebar too, like a photo would; "dark" is there for workspaces that prefer it.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.font_manager import FontProperties

# The single chart is designed at 6.4 x 3.6 in and rendered at 200 dpi: 1280 x 720 px, i.e. 2x retina of
# the ~640 css px Slack gives an image on desktop. Font sizes are in points at that design size: the
# smallest text (14 pt) is still ~11 px tall when Slack shrinks the image to 360 px on a phone.
DPI = 200
CHART_SIZE = (6.4, 3.6)
PANEL_WIDTH = 6.4
PANEL_ROW_HEIGHT = 2.3
SPARKLINE_SIZE = (1.6, 0.4)

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib: identical output on every machine


def _font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")


# Shared, never mutated (matplotlib copies a FontProperties into each Text it is given).
TITLE_FONT = _font(19, bold=True)
SUBTITLE_FONT = _font(14)
PANEL_TITLE_FONT = _font(16, bold=True)
TICK_FONT = _font(14)
VALUE_FONT = _font(16, bold=True)
LABEL_FONT = _font(14)
LEGEND_FONT = _font(14)
EMPTY_FONT = _font(18)


@dataclass(frozen=True)
class Theme:
    """The colours of one variant. Series colours are picked in order for multi-series panels."""

    name: str
    card: str
    border: str
    text: str
    muted: str
    grid: str
    axis: str
    target: str
    series: tuple[str, ...]
    critical: str
    warning: str
    critical_alpha: float
    warning_alpha: float

    def series_color(self, index: int) -> str:
        return self.series[index % len(self.series)]


# Colours follow Slack's own palette so the chart looks native in the client.
LIGHT = Theme(
    name="light",
    card="#FFFFFF",
    border="#DDDEE1",
    text="#1D1C1D",
    muted="#616061",
    grid="#E8E8EA",
    axis="#BCBCBF",
    target="#454245",
    series=("#1264A3", "#E8912D", "#2BAC76", "#7C3AED", "#E01E5A"),
    critical="#E01E5A",
    warning="#ECB22E",
    critical_alpha=0.10,
    warning_alpha=0.16,
)

DARK = Theme(
    name="dark",
    card="#222529",
    border="#3A3D42",
    text="#E8E8E8",
    muted="#ABABAD",
    grid="#34373C",
    axis="#5A5D62",
    target="#D1D2D3",
    series=("#4FA8E8", "#F2A950", "#3CC68A", "#A78BFA", "#F2607F"),
    critical="#F2607F",
    warning="#ECB22E",
    critical_alpha=0.16,
    warning_alpha=0.16,
)

THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}


def get_theme(name: str) -> Theme:
    """The theme called `name` ("light" or "dark"); a clear ValueError for anything else."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown chart theme {name!r}: use one of {', '.join(THEMES)}") from None
