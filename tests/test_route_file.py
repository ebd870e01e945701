"""Route files: good ones load and solve; each of many malformed ones gives a clear error at its file and line."""

import json
from pathlib import Path

import pytest

from flowsheet.batch import solve_route
from flowsheet.cli import main
from flowsheet.errors import RouteFileError
from flowsheet.route_file import load_route, unit_types

GOOD = """\
name: nickel-sulfate
description: Nickel dissolved in sulfuric acid, for tests.
product: NiSO4(aq)
sources: [{key: test, cite: "a route written for the tests"}]
assumptions: ["stoichiometric acid"]
sites: {plant: {region: CN}}
feeds:
  nickel: {flows: {Ni: 1 mol/s}, site: plant}
  acid: {flows: {H2SO4(aq): 1 mol}, dosed: true}
  water: {flows: {H2O(l): 1 mol}, dosed: true}
products:
  solution: {kind: product}
  hydrogen: {kind: emission}
units:
  dissolve:
    type: dissolver
    site: plant
    utility: steam_gas_boiler
    reactions: [Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)]
    molality: 2 mol/kg
    temperature: 80 degC
streams:
  - nickel -> dissolve.feed
  - acid -> dissolve.acid
  - water -> dissolve.water
  - dissolve.solution -> solution
  - dissolve.gas -> hydrogen
"""

LOOP = """\
name: loop
product: H2O(l)
feeds: {water: {flows: {H2O(l): 1 mol/s}}}
products: {out: {kind: product}}
units:
  mix: {type: mixer}
  split: {type: splitter, fractions: {recycle: 1.0, purge: 0.0}}
streams: ["water -> mix.in1", "mix -> split", "split.recycle -> mix.in2", "split.purge -> out"]
"""

WET = """\
name: too-wet
product: Ni(OH)2
feeds: {solid: {flows: {Ni(OH)2: 1 mol/s}}}
products: {dry: {kind: product}, vapor: {kind: emission}}
units:
  dryer: {type: dryer, moisture: 0.1, temperature: 110 degC}
streams: ["solid -> dryer", "dryer.dry -> dry", "dryer.vapor -> vapor"]
"""

ALIAS_BOMB = "name: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"

# name -> (file text or bytes, text on the line the error must point at, words in the message)
MALFORMED = {
    "out_of_bounds": (
        GOOD.replace("molality: 2 mol/kg", "molality: 2 mol/kg\n    excess: -0.5"),
        "excess: -0.5",
        "units.dissolve.excess: must be >= 0, got -0.5\n  hint: ",
    ),
    "unknown_utility": (
        GOOD.replace("utility: steam_gas_boiler", "utility: steam_gas_boilerr"),
        "utility: steam_gas_boilerr",
        "units.dissolve.utility: unknown utility 'steam_gas_boilerr'\n  hint: known: electric_kiln",
    ),
    "wrong_units": (GOOD.replace("molality: 2 mol/kg", "molality: 2 mol/L"), "molality:", "expects mol/kg"),
    "bare_number": (GOOD.replace("temperature: 80 degC", "temperature: 80"), "temperature: 80", "bare number"),
    "unknown_top_key": (GOOD + "colour: blue\n", "colour:", "unknown key"),
    "unknown_parameter": (
        GOOD.replace("    molality:", "    molarity: 2 mol/kg\n    molality:"),
        "molarity:",
        "unknown key for a dissolver",
    ),
    "unknown_unit_type": (GOOD.replace("type: dissolver", "type: dissolverr"), "type: dissolverr", "unknown unit type"),
    "unknown_species": (
        GOOD.replace("nickel: {flows: {Ni: 1 mol/s}", "nickel: {flows: {NaCl: 1 mol/s}"),
        "nickel:",
        "unknown species",
    ),
    "bad_formula": (GOOD.replace("{Ni: 1 mol/s}", "{NaXx: 1 mol/s}"), "nickel:", "unknown element 'Xx'"),
    "unbalanced_reaction": (
        GOOD.replace("-> NiSO4(aq) + H2(g)", "-> NiSO4(aq) + H2O"),
        "  dissolve:",
        "does not balance",
    ),
    "dangling_port": (GOOD.replace("  - dissolve.gas -> hydrogen\n", ""), "  hydrogen:", "inlet port not connected"),
    "missing_unit": (
        GOOD.replace("dissolve.gas -> hydrogen", "dissolve.gas -> flare"),
        "-> flare",
        "no unit named 'flare'",
    ),
    "bad_stream": (
        GOOD.replace("dissolve.gas -> hydrogen", "dissolve.gas => hydrogen"),
        "=> hydrogen",
        "is not 'unit.port -> unit.port'",
    ),
    "cycle_without_purge": (LOOP, "  mix:", "accumulate"),
    "negative_flow": (WET, "  dryer:", "would carry"),
    "empty": ("", None, "is empty"),
    "blank": ("\n\n   \n", None, "is empty"),
    "binary": (bytes(range(256)) * 4, None, "is binary"),
    "not_utf8": (b"name: caf\xe9\n", None, "is not UTF-8"),
    "alias_bomb": (ALIAS_BOMB, "b: &b", "aliases"),
    "yaml_syntax": (GOOD.replace("  water: {flows:", "  water: {flows: [", 1), "  water:", "not valid YAML"),
    "duplicate_key": (
        GOOD.replace("  hydrogen: {kind: emission}", "  hydrogen: {kind: emission}\n  solution: {}"),
        "  solution: {}",
        "appears twice",
    ),
    "list_at_top": ("- name: a\n- name: b\n", None, "must be a mapping"),
    "missing_product": (GOOD.replace("product: NiSO4(aq)\n", ""), None, "required key missing"),
    "unknown_site": (GOOD.replace("site: plant}", "site: mine}"), "site: mine", "unknown site 'mine'"),
    "bad_kind": (
        GOOD.replace("{kind: emission}", "{kind: smoke}"),
        "kind: smoke",
        "is text 'smoke', not one of its choices",
    ),
    "extends_missing": ("extends: nowhere.yaml\nname: x\n", "extends:", "no route file 'nowhere.yaml'"),
    "set_without_extends": (GOOD + "set: {units.dissolve.temperature: 90 degC}\n", "set:", "only a route that"),
    "set_not_a_mapping": ("extends: base.yaml\nname: x\nset: [units.dissolve]\n", "set:", "set: must be a mapping"),
    "remove_not_a_list": ("extends: base.yaml\nname: x\nremove: units.dissolve\n", "remove:", "remove: must be a list"),
    "yaml_tag": (GOOD + "note: !python/name:os.system x\n", "note:", "YAML tag '!python/name:os.system' is not"),
    "type_not_text": (GOOD.replace("type: dissolver", "type: [dissolver]"), "type: [dissolver]", "unknown unit type"),
    "degenerate_range": (
        GOOD.replace("temperature: 80 degC", "temperature: {value: 80 degC, triangular: [80 degC, 80 degC, 80 degC]}"),
        "triangular:",
        "low < high",
    ),
    "negative_fraction": (
        LOOP.replace("{recycle: 1.0, purge: 0.0}", "{recycle: 1.5, purge: -0.5}"),
        "  split:",
        "must be in [0, 1]",
    ),
}


def _write(folder: Path, name: str, content) -> Path:
    path = folder / f"{name}.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _load_and_solve(path: Path) -> dict:
    return solve_route(load_route(path))


def _line_of(content, marker) -> int:
    if marker is None:
        return 1
    for number, line in enumerate(content.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"marker {marker!r} not in the test file")


def test_the_good_route_loads_and_solves(tmp_path, capsys):
    path = _write(tmp_path, "good", GOOD)
    assert load_route(path).flowsheet.check()
    assert main(["run", str(path), "--format", "json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    # 98.072 / 154.7494 kg H2SO4 per kg NiSO4 -- dosed by the dissolver
    assert summary["kpis"]["water_fresh"]["unit"] == "kilogram"
    assert summary["product"] == "NiSO4(aq)"


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_each_malformed_route_gives_one_clear_error_at_its_line(case, tmp_path):
    content, marker, words = MALFORMED[case]
    path = _write(tmp_path, case, content)
    with pytest.raises(RouteFileError) as caught:
        _load_and_solve(path)
    message = str(caught.value)
    first = message.splitlines()[0]
    line = _line_of(content if isinstance(content, str) else "", marker)
    assert first.startswith(f"{path}:{line}:") or (marker is None and first.startswith(f"{path}:")), message
    assert words in message, message
    assert "\n  hint: " in message, message  # every error says how to mend it


def test_a_batch_reports_every_bad_file_and_still_runs_the_good_ones(tmp_path, capsys):
    for case, (content, _, _) in MALFORMED.items():
        _write(tmp_path, case, content)
    _write(tmp_path, "good", GOOD)
    (tmp_path / "other.yaml").write_text(GOOD.replace("name: nickel-sulfate", "name: nickel-sulfate-2"))
    status = main(["run", str(tmp_path), "--format", "csv"])
    out, err = capsys.readouterr()
    assert status == 1
    assert len(MALFORMED) >= 20
    for case in MALFORMED:
        assert f"error: {tmp_path / case}.yaml" in err, case
    assert "Traceback" not in err
    assert "nickel-sulfate,water_fresh," in out
    assert "nickel-sulfate-2,water_fresh," in out


def test_extends_cycle_is_named(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(RouteFileError) as caught:
        load_route(tmp_path / "a.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'a.yaml'}:1: extends: {tmp_path / 'b.yaml'}:1: extends: extends cycle: a.yaml -> b.yaml -> a.yaml"
        "\n  hint: one of them must not extend the other"
    )


def test_extends_overrides_by_dotted_path_and_errors_point_at_the_child(tmp_path):
    _write(tmp_path, "base", GOOD)
    child = "extends: base.yaml\nname: hotter\nset:\n  units.dissolve.temperature: 90 degC\n  units.dissolve.molality: 3 kg\n"
    path = _write(tmp_path, "child", child)
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert str(caught.value).startswith(f"{path}:5: units.dissolve.molality: expects mol/kg")
    fixed = _write(tmp_path, "fixed", child.replace("3 kg", "3 mol/kg"))
    route = load_route(fixed)
    assert route.spec.name == "hotter"
    assert route.flowsheet.operation("dissolve").temperature == pytest.approx(363.15)
    assert route.flowsheet.operation("dissolve").molality == pytest.approx(3.0)


def test_extends_can_remove_and_rewire(tmp_path):
    _write(tmp_path, "base", GOOD)
    child = (
        "extends: base.yaml\nname: flared\nremove: [products.hydrogen]\ndisconnect: ['dissolve.gas -> hydrogen']\n"
        "products: {flare: {kind: emission}}\nstreams: ['dissolve.gas -> flare']\n"
    )
    route = load_route(_write(tmp_path, "child", child))
    assert "hydrogen" not in route.spec.products
    assert any(s.target == "flare" for s in route.flowsheet.streams())


def test_a_key_with_dots_is_set_in_brackets(tmp_path):
    _write(tmp_path, "base", GOOD)
    child = "extends: base.yaml\nname: more\nset:\n  feeds.nickel.flows[Ni]: 2 mol/s\n"
    route = load_route(_write(tmp_path, "child", child))
    assert route.flowsheet.operation("nickel").flows["Ni"] == pytest.approx(2.0)


def test_every_unit_type_has_a_route_file_name():
    assert {
        "dissolver",
        "evaporative_crystallizer",
        "co_precipitator",
        "washer",
        "dryer",
        "calciner",
        "one_pot_reactor",
        "transport_leg",
        "mixer",
        "splitter",
        "repulper",
    } <= set(unit_types())


def test_a_variant_keeps_its_parents_sources_and_replaces_one_it_cites_again(tmp_path):
    base = GOOD.replace(
        'sources: [{key: test, cite: "a route written for the tests"}]',
        "sources: [{key: test, cite: t}, {key: extra, cite: 'parent only'}]",
    )
    _write(tmp_path, "base", base)
    child = "extends: base.yaml\nname: child\nsources:\n  - {key: extra, cite: 'child text'}\n  - {key: new, cite: n}\n"
    _write(tmp_path, "child", child)
    parent_keys = [s.key for s in load_route(tmp_path / "base.yaml").spec.sources]
    sources = load_route(tmp_path / "child.yaml").spec.sources
    assert parent_keys == ["test", "extra"]
    assert [s.key for s in sources] == ["test", "extra", "new"]
    assert next(s.cite for s in sources if s.key == "extra") == "child text"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("product: NiSO4(aq)", "product: NiSO4(aq)x", "product: "),
        ("product: NiSO4(aq)", "product: CoSO4(aq)", "product: 'CoSO4(aq)' is made by no unit and brought by no feed"),
        ("basis: 1 kg", "basis: 1 kJ", "basis: expects a positive mass or mass rate"),
    ],
)
def test_check_rejects_what_run_would_reject(old, new, words, tmp_path, capsys):
    text = GOOD.replace("product: NiSO4(aq)\n", "product: NiSO4(aq)\nbasis: 1 kg\n").replace(old, new)
    path = _write(tmp_path, "route", text)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith(new.split(":")[0] + ":"))
    assert err.startswith(f"error: {path}:{line}: {words}"), err
    assert "\n  hint: " in err


@pytest.mark.parametrize("fast", [True, False])
def test_both_yaml_parsers_read_the_same_data_and_refuse_aliases_at_their_line(monkeypatch, fast):
    from flowsheet.route_file import text

    if not fast:  # the pure-Python composer, where PyYAML has no libyaml
        monkeypatch.setattr(text, "_FAST_LOADER", text._SafeComposer)
    data, origins = text.parse_yaml("name: a\nregion: NO\nflag: yes\nn: 1.5\nitems: [x, 2]\n", "a.yaml")
    assert data == {"name": "a", "region": "NO", "flag": "yes", "n": 1.5, "items": ["x", 2]}  # YAML 1.2 booleans
    assert origins[("items", 1)] == ("a.yaml", 5)
    with pytest.raises(RouteFileError) as caught:
        text.parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert str(caught.value).startswith("bomb.yaml:2: is not valid YAML: YAML aliases (*name) are not allowed")
