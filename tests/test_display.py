"""What engineers see in Jupyter: HTML reprs, Sankey diagrams and flowsheet drawings, rendered headless."""

import re
from pathlib import Path

import pytest

import flowsheet
from flowsheet.diagrams import save_figure
from flowsheet.report import draw, sankey
from flowsheet.route_file import load_route

ROUTE = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"


@pytest.fixture(scope="module")
def solved():
    route = load_route(ROUTE)
    return route, flowsheet.solve(route.flowsheet, "1 kg", route.spec.product)


def test_formula_and_reaction_render_as_tables():
    assert "262.8394 g/mol" in flowsheet.Formula("NiSO4·6H2O")._repr_html_()
    html = flowsheet.Reaction("LiOH·H2O -> LiOH + H2O(g)")._repr_html_()
    assert "ΔH(298.15 K) = +61.24 kJ per mol of reaction as written" in html  # -484.93 - 241.826 + 788.0
    assert "<td style='padding:2px 8px'>Li</td>" in html
    missing = flowsheet.Reaction("NaCl -> Na+ + Cl-")._repr_html_()
    assert "ΔH not available: unknown species &#x27;NaCl&#x27;" in missing  # quotes escaped in HTML


def test_reaction_knows_its_heat():
    reaction = flowsheet.Reaction("LiOH·H2O -> LiOH + H2O(g)")
    assert reaction.heat_of_reaction("298.15 K").magnitude == pytest.approx(-484.93 - 241.826 + 788.0)
    assert isinstance(flowsheet.Reaction.balance(["Ni", "H2SO4"], ["NiSO4", "H2"]), flowsheet.Reaction)


def test_flowsheet_and_results_render(solved):
    route, results = solved
    html = route.flowsheet._repr_html_()
    assert "calcine" in html
    assert "Calciner" in html
    assert "cathode_plant" in html
    summary = results._repr_html_()
    assert "sodium_sulfate" in summary
    assert "mass closes to" in summary
    assert "largest energy users: calcine" in summary


def test_kpi_frame_and_stream_table_carry_units(solved):
    _, results = solved
    frame = results.to_frame()
    assert frame.loc["sodium_sulfate", "unit"] == "kg"
    assert frame.loc["freight", "unit"] == "t*km"
    assert "boundary" in frame.columns
    assert "NiSO4·6H2O(s) [kg]" in results.streams().columns


def test_a_solved_streams_repr_is_the_feed_that_recreates_it(solved):
    _, results = solved
    stream = results.stream("crystallize.crystals->ship.feed")
    feed = eval(repr(stream), {"Feed": flowsheet.operations.Feed})
    assert feed.flows == pytest.approx(stream.flows)
    assert feed.temperature == pytest.approx(stream.temperature)
    assert "mass fraction" in stream._repr_html_()


@pytest.mark.parametrize("kind", ["mass", "water", "energy"])
def test_sankey_renders_to_html_with_the_expected_nodes(kind, solved, tmp_path):
    _, results = solved
    path = save_figure(sankey(results, kind), tmp_path / f"{kind}.html")
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size > 10_000
    expected = {
        "mass": ["crystallize", "calcine", "sodium_sulfate"],
        "water": ["wash_water", "salt_vapor"],
        "energy": ["electricity", "natural_gas", "calcine", "ship"],
    }[kind]
    for node in expected:
        assert f'"{node}: ' in text, node  # each node labelled with what passes through it
    figure = sankey(results, kind)
    labels = figure.data[0].node.label
    assert all(re.fullmatch(r".+: [-0-9.e+]+ .+", label) for label in labels)


def test_a_sankey_node_shows_the_value_through_it(solved):
    _, results = solved
    labels = sankey(results, "mass").data[0].node.label
    calcine = next(label for label in labels if label.startswith("calcine: "))
    fed = results.mass("dry.dry->calcine.feed") + results.mass("lithium.out->calcine.lithium")
    fed += results.mass("oxygen.out->calcine.gas")
    assert float(calcine.split()[1]) == pytest.approx(fed, rel=5e-3)  # 3 significant figures


def test_a_flowsheet_drawing_shows_itself_as_svg_in_jupyter(solved):
    route, _ = solved
    drawing = draw(route.flowsheet)
    svg = drawing._repr_svg_()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert "salt_crystallize" in svg  # labels kept as text
    assert drawing.figure.axes  # the matplotlib figure is there for anything else


def test_sankey_exports_png_and_svg(solved, tmp_path):
    _, results = solved
    figure = sankey(results, "mass")
    png = save_figure(figure, tmp_path / "mass.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
    svg = save_figure(figure, tmp_path / "mass.svg").read_text(encoding="utf-8")
    assert "calcine" in svg
    assert "crystallize" in svg


def test_flowsheet_drawing_renders_headless_with_every_unit(solved, tmp_path):
    route, _ = solved
    figure = draw(route.flowsheet, tmp_path / "flowsheet.svg")
    labels = {text.get_text() for text in figure.axes[0].texts}
    assert {op.name for op in route.flowsheet.operations} <= labels
    svg = (tmp_path / "flowsheet.svg").read_text(encoding="utf-8")
    assert "salt_crystallize" in svg
    assert "ship" in svg
    draw(route.flowsheet, tmp_path / "flowsheet.png")
    assert (tmp_path / "flowsheet.png").read_bytes()[:4] == b"\x89PNG"


def test_committed_images_are_small():
    for name in ("sankey_nmc811_sulfate.svg", "flowsheet_nmc811_sulfate.svg"):
        path = Path(__file__).parents[1] / "docs" / "img" / name
        assert 1_000 < path.stat().st_size < 200_000, name


def test_exporting_without_kaleido_names_the_extra_that_works(solved, tmp_path, monkeypatch):
    _, results = solved
    figure = sankey(results, "mass")

    def missing(*args, **kwargs):
        raise ValueError("Image export using the 'kaleido' engine requires the kaleido package, pip install -U kaleido")

    monkeypatch.setattr(figure, "write_image", missing)
    with pytest.raises(flowsheet.FlowsheetError, match=r'pip install "cathode-flowsheet\[export\]"'):
        save_figure(figure, tmp_path / "mass.png")
