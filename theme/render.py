"""A palette rendered for the browser: CSS custom properties and a Plotly layout template."""
from __future__ import annotations

from collections.abc import Mapping

FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def css_name(color_name: str) -> str:
    return "--eb-" + color_name.lower().replace("_", "-")


def css_variables(colors: Mapping[str, str]) -> str:
    """`:root{--eb-gray-dark:#...;...}` for the page head."""
    body = ";".join(f"{css_name(name)}:{value}" for name, value in colors.items())
    return f":root{{{body};--eb-font:{FONT_STACK}}}"


def series_colors(colors: Mapping[str, str]) -> list[str]:
    return [colors[f"UsageLine_{i}"] for i in range(10)]


def plotly_template(colors: Mapping[str, str]) -> dict:
    """A Plotly `layout.template` dict: UsageLine_* is the colorway, Gray_dark the text, White the paper."""
    text, muted, grid, paper = (
        colors["Gray_dark"],
        colors["Gray_medium"],
        colors["Gray_light"],
        colors["White"],
    )
    axis = {
        "gridcolor": grid,
        "linecolor": grid,
        "zerolinecolor": grid,
        "tickfont": {"color": muted},
        "title": {"font": {"color": muted}},
    }
    return {
        "layout": {
            "colorway": series_colors(colors),
            "font": {"family": FONT_STACK, "color": text, "size": 13},
            "paper_bgcolor": paper,
            "plot_bgcolor": paper,
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"font": {"color": text}},
            "hoverlabel": {"bgcolor": colors["Gray_extralight"], "font": {"color": text}},
        }
    }
