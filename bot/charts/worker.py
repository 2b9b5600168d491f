"""What a render worker imports: matplotlib and the renderers, nothing else of the bot.

The forkserver that starts the render workers (bot.charts.pool) imports this module once; every worker is
forked from it with these pages already loaded. Keep it to chart code: importing the CLI, the database
layer or Slack's SDK here would cost that memory again in the server process.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

import bot.charts  # noqa: F401  (the renderers, and through them matplotlib's Agg backend and fonts)
from bot.charts.image import text_size
from bot.charts.theme import TICK_FONT


def _prime() -> None:
    """Load the font files and the glyph cache before forking, so workers share them."""
    from matplotlib.figure import Figure

    canvas = FigureCanvasAgg(Figure(figsize=(1, 1), dpi=100))
    text_size(canvas.get_renderer(), "0123456789$%.,kKM", TICK_FONT)


_prime()
