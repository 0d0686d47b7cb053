"""A palette rendered for the browser: CSS custom properties and a Plotly layout template."""
from __future__ import annotations

from collections.abc import Mapping

# System font stacks only: nothing is fetched from elsewhere.
FONTS: dict[str, str] = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "sans-serif": '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif',
    "serif": 'Georgia, Cambria, "Times New Roman", Times, "Liberation Serif", serif',
    "monospace": 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    "rounded": 'ui-rounded, "SF Pro Rounded", "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, system-ui, sans-serif',
}


def css_name(color_name: str) -> str:
    return "--eb-" + color_name.lower().replace("_", "-")


def css_variables(colors: Mapping[str, str], font: str = "system") -> str:
    """`:root{--eb-gray-dark:#...;...;--eb-font:...}` for the page head."""
    body = ";".join(f"{css_name(name)}:{value}" for name, value in colors.items())
    return f":root{{{body};--eb-font:{FONTS[font]}}}"


def series_colors(colors: Mapping[str, str]) -> list[str]:
    return [colors[f"UsageLine_{i}"] for i in range(10)]


def plotly_template(colors: Mapping[str, str], font: str = "system") -> dict:
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
            "font": {"family": FONTS[font], "color": text, "size": 13},
            "paper_bgcolor": paper,
            "plot_bgcolor": paper,
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"font": {"color": text}},
            "hoverlabel": {"bgcolor": colors["Gray_extralight"], "font": {"color": text}},
        }
    }
