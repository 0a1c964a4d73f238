"""The pages load a cut-down icon font: every icon our code names must be in it, or it shows as an empty box."""

from fontTools.ttLib import TTFont

from malisig.management.commands.subset_icons import SUBSET_CSS, SUBSET_FONT, codepoints, icons_used, subset_css


def test_every_icon_named_in_templates_and_scripts_is_in_the_subset_stylesheet():
    assert SUBSET_CSS.read_text(encoding="utf-8") == subset_css(icons_used()), (
        "an icon was added or dropped: run `manage.py subset_icons` and commit the two files"
    )


def test_the_subset_font_draws_every_icon_of_the_subset_stylesheet():
    font_characters = set(TTFont(SUBSET_FONT).getBestCmap())

    assert {codepoints()[name] for name in icons_used()} <= font_characters


def test_the_subset_font_is_a_small_part_of_the_full_font():
    assert SUBSET_FONT.stat().st_size < 20 * 1024


def test_the_base_layout_loads_the_subset_not_the_full_icon_set(client):
    html = client.get("/").content.decode()

    assert "bootstrap-icons-subset" in html
    assert "bootstrap-icons.min.css" not in html
