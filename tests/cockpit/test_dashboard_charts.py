from cockpit.charts import bar_chart_svg, column_chart_svg, stacked_bar_svg

HOSTILE = '<script>alert("x")</script>'


def test_a_bar_chart_escapes_a_label_containing_a_script():
    svg = bar_chart_svg([(HOSTILE, 3), ("Société civile", 5)], title="Groupes & types")

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<title>Groupes &amp; types</title>" in svg


def test_stacked_and_column_charts_escape_labels_series_and_titles():
    stacked = stacked_bar_svg([(HOSTILE, [1, 2])], series=[HOSTILE, "Hommes"], title=HOSTILE)
    columns = column_chart_svg([(HOSTILE, 4)], title=HOSTILE, line=True)

    for svg in (stacked, columns):
        assert "<script>" not in svg
        assert svg.count("&lt;script&gt;") >= 2


def test_charts_scale_and_name_themselves():
    svg = bar_chart_svg([("Inscrits", 120)], title="Entonnoir")

    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert 'role="img"' in svg and 'aria-label="Entonnoir"' in svg


def test_values_are_written_as_text_not_only_drawn():
    bars = bar_chart_svg([("Inscrits", 120), ("Actifs", 45)], title="t", notes=["100 %", "38 %"])
    stacked = stacked_bar_svg([("2023", [12, 20])], series=["Femmes", "Hommes"], title="t")

    assert ">120 · 100 %</text>" in bars and ">45 · 38 %</text>" in bars
    assert "Femmes 12 · Hommes 20" in stacked


def test_an_empty_chart_says_so():
    assert "Rien" in bar_chart_svg([], title="t", empty="Rien")
    assert "Rien" in stacked_bar_svg([], series=["a"], title="t", empty="Rien")
    assert "Rien" in column_chart_svg([], title="t", empty="Rien")


def test_a_long_label_is_cut_on_the_bar_but_whole_in_its_title():
    label = "Organisations de la société civile et associations de consommateurs"

    svg = bar_chart_svg([(label, 1)], title="t")

    assert f"<title>{label}: 1</title>" in svg
    assert "…</text>" in svg
