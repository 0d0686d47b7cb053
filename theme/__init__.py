"""Colours and look of the embeds: palette names (Metronome's), defaults, validation, CSS and Plotly."""
from pathlib import Path

from theme.palette import (
    COLOR_NAMES,
    DARK,
    LIGHT,
    PRESETS,
    PaletteError,
    contrast_ratio,
    palette,
    validate_color_overrides,
)
from theme.render import FONTS, css_variables, plotly_template, series_colors

EMBED_JS = Path(__file__).with_name("static") / "embed.js"  # the host-page helper

__all__ = [
    "COLOR_NAMES",
    "DARK",
    "EMBED_JS",
    "FONTS",
    "PRESETS",
    "LIGHT",
    "PaletteError",
    "contrast_ratio",
    "css_variables",
    "palette",
    "plotly_template",
    "series_colors",
    "validate_color_overrides",
]
