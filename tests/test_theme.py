"""Palette validation, contrast and rendering."""
from __future__ import annotations

import pytest

from theme import COLOR_NAMES, DARK, LIGHT, PaletteError, contrast_ratio, css_variables, palette, plotly_template
from theme import validate_color_overrides


def test_overrides_are_canonicalised_and_expanded():
    got = validate_color_overrides([{"name": "usageline_0", "value": "#F0A"}, {"name": "White", "value": "#101010"}])
    assert got == {"UsageLine_0": "#ff00aa", "White": "#101010"}


@pytest.mark.parametrize("value", ["red", "#12345", "#ggg", "123456", "", None, 7, "#1234567", "#fff\n"])
def test_colour_that_is_not_hex_is_refused_naming_the_field(value):
    with pytest.raises(PaletteError) as exc:
        validate_color_overrides([{"name": "Gray_dark", "value": "#000"}, {"name": "White", "value": value}])
    assert exc.value.field == "color_overrides[1].value"


def test_unknown_colour_name_lists_the_allowed_names():
    with pytest.raises(PaletteError) as exc:
        validate_color_overrides([{"name": "Chartreuse", "value": "#000"}])
    assert exc.value.field == "color_overrides[0].name"
    assert exc.value.allowed == list(COLOR_NAMES)


def test_all_metronome_colour_names_have_defaults():
    expected = {"Gray_dark", "Gray_medium", "Gray_light", "Gray_extralight", "White", "Primary_medium",
                "Primary_light", "Primary_green", "Primary_red", "Progress_bar", "Progress_bar_background",
                "Action", "Action_hover", *(f"UsageLine_{i}" for i in range(10))}  # fmt: skip
    assert set(LIGHT) == expected


@pytest.mark.parametrize("preset", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("text", ["Gray_dark", "Gray_medium", "Primary_medium", "Primary_red", "Primary_green"])
def test_preset_text_colours_meet_wcag_aa_on_the_background(preset, text):
    assert contrast_ratio(preset[text], preset["White"]) >= 4.5


@pytest.mark.parametrize("preset", [LIGHT, DARK], ids=["light", "dark"])
def test_preset_text_meets_wcag_aa_on_table_headers_and_selection(preset):
    assert contrast_ratio(preset["Gray_medium"], preset["Gray_extralight"]) >= 4.5
    assert contrast_ratio(preset["Primary_medium"], preset["Primary_light"]) >= 4.5
    assert contrast_ratio(preset["White"], preset["Action"]) >= 4.5 or contrast_ratio("#000000", preset["Action"]) >= 4.5


def test_dark_preset_is_complete_and_overrides_win_over_it():
    assert set(DARK) == set(LIGHT)
    assert palette({"White": "#010101"}, preset="dark")["White"] == "#010101"
    assert palette({}, preset="dark")["White"] == DARK["White"]


def test_contrast_ratio_of_black_on_white_is_21():
    assert round(contrast_ratio("#000", "#fff"), 2) == 21.0


def test_font_option_reaches_css_and_template():
    assert "--eb-font:Georgia" in css_variables(LIGHT, "serif")
    assert plotly_template(LIGHT, "monospace")["layout"]["font"]["family"].startswith("ui-monospace")


def test_css_and_plotly_template_follow_the_overrides():
    colors = palette({"UsageLine_0": "#ff0000", "Gray_dark": "#010203", "White": "#fafafa"})
    css = css_variables(colors)
    assert "--eb-usageline-0:#ff0000" in css and "--eb-gray-dark:#010203" in css
    layout = plotly_template(colors)["layout"]
    assert layout["colorway"][0] == "#ff0000"
    assert layout["font"]["color"] == "#010203"
    assert layout["paper_bgcolor"] == "#fafafa"
