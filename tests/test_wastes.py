"""Every salt that leaves counts: ammonium sulfate, and what waste carries by species and class.

(NH4)2SO4 = 2 x 14.007 + 8 x 1.008 + 32.06 + 4 x 15.999 = 132.134 g/mol, S in it 32.06 / 132.134.
"""

from pathlib import Path

import pytest

from flowsheet.chemistry import Formula
from flowsheet.kpis import waste_class
from flowsheet.route_file import load_route
from flowsheet.solve import solve

ROUTES = Path(__file__).parents[1] / "routes"
SHIPPED = sorted(ROUTES.glob("*.yaml"))


def _solved(stem):
    route = load_route(ROUTES / f"{stem}.yaml")
    return solve(route.flowsheet, "1 kg", route.spec.product)


def test_the_lfp_sulfate_route_counts_the_ammonium_sulfate_it_makes():
    results = _solved("lfp_sulfate")
    # every sulfur atom fed as copperas leaves as (NH4)2SO4, or otherwise: SO3 when the cake's salt decomposes
    s_fraction = 32.06 / (Formula("FeSO4·7H2O").relative_mass)
    fed = sum(results.mass(e.name) for e in results.edges if e.source == "copperas") * s_fraction
    amsul_key = Formula("(NH4)2SO4").key
    otherwise = 0.0
    for edge in (e for e in results.edges if e.target in results.products):
        flow = results.flow(edge.name)
        for j, species in enumerate(results.components.species):
            if species.formula.key != amsul_key:
                otherwise += flow[j] * species.formula.elements.get("S", 0) * 32.06 / 1000
    amsul = results.totals()["ammonium_sulfate"].to("kg").magnitude
    assert amsul * 32.06 / Formula("(NH4)2SO4").relative_mass + otherwise == pytest.approx(fed, rel=1e-9)
    assert amsul == pytest.approx(0.84, abs=0.01)  # about one (NH4)2SO4 per LiFePO4: 132.134 / 157.757


def test_the_iron_powder_route_makes_no_ammonium_sulfate():
    assert _solved("lfp_metal").totals()["ammonium_sulfate"].magnitude == 0


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_salts_to_waste_are_waste_total_less_bled_metal_and_residues(path):
    route = load_route(path)
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    by_class = results.wastes().groupby("class")["mass [kg]"].sum()
    totals = {name: results.totals()[name].to("kg").magnitude for name in ("waste_total", "salts_to_waste")}
    assert by_class.sum() == pytest.approx(totals["waste_total"], rel=1e-9, abs=1e-15)
    bled, residue = by_class.get("bled_metal", 0.0), by_class.get("residue", 0.0)
    assert totals["salts_to_waste"] == pytest.approx(totals["waste_total"] - bled - residue, rel=1e-9, abs=1e-12)


def test_the_recycled_route_bleeds_lithium_and_leaves_graphite_and_foils():
    wastes = _solved("nmc811_recycled").wastes()
    assert wastes.loc["Li2SO4(aq)", "class"] == "bled_metal"  # the leached lithium is lost to the raffinate
    assert {wastes.loc[label, "class"] for label in ("C(s)", "Cu(s)", "Al(s)")} == {"residue"}
    assert {wastes.loc[label, "class"] for label in ("Na2SO4(aq)", "CuSO4(aq)", "NaOH(aq)")} == {"salts"}


@pytest.mark.parametrize(
    ("label", "phase", "product", "expected"),
    [
        ("NiSO4", "aq", "LiNi0.8Mn0.1Co0.1O2", "bled_metal"),
        ("Na2SO4", "s", "LiNi0.8Mn0.1Co0.1O2", "salts"),
        ("Na2SO4", "s", "NaNi0.5Mn0.5O2", "salts"),  # a sodium cathode's waste salt is still a salt
        ("NiSO4", "aq", "NaNi0.5Mn0.5O2", "bled_metal"),
        ("Fe2O3", "s", "LiNi0.8Mn0.1Co0.1O2", "residue"),
        ("CaCO3", "s", "LiNi0.8Mn0.1Co0.1O2", "salts"),
        ("(NH4)2SO4", "s", "LiFePO4", "salts"),
        ("FePO4", "s", "LiFePO4", "bled_metal"),
    ],
)
def test_a_species_is_classed_by_the_products_metals_and_its_anion(label, phase, product, expected):
    assert waste_class(Formula(label), phase, Formula(product)) == expected


@pytest.mark.parametrize("stem", ["lfp_metal", "lfp_sulfate"])
def test_the_lfp_routes_process_co2_is_the_carbonate_and_the_glucose_that_reduces_iron_back(stem):
    # Li/Fe 1.02: 0.51 mol Li2CO3 gives 0.51 mol CO2; Fe(III) -> Fe(II) takes 1 electron, glucose gives 24
    # (6 C from 0 to +4): 1/24 mol burnt to 6/24 mol CO2 per mol LiFePO4; the coating carbon is pyrolysed
    carbonate, reduction = 0.51, 0.25
    per_kg = Formula("CO2").relative_mass / Formula("LiFePO4").relative_mass
    co2 = _solved(stem).totals()["co2e_process"].magnitude
    assert co2 == pytest.approx((carbonate + reduction) * per_kg, rel=1e-9)
    assert reduction / carbonate == pytest.approx(0.49, abs=0.005)  # the +49 % the routes state


def test_the_direct_fe2_variant_gives_off_only_the_carbonates_co2_and_the_iron_takes_the_phosphates_protons():
    # Fe + NH4H2PO4 + 1/2 Li2CO3 -> LiFePO4 + NH3 + H2 + 1/2 CO2 + 1/2 H2O: no Fe(III) to reduce back,
    # so no glucose burns; per mol LiFePO4, 0.51 mol CO2 (Li/Fe 1.02), 1 NH3 and 1 H2 in the kiln's off-gas
    results = _solved("lfp_metal_direct")
    n = 1000 / Formula("LiFePO4").relative_mass  # mol per kg
    totals = results.totals()
    assert totals["co2e_process"].magnitude == pytest.approx(0.51 * n * Formula("CO2").relative_mass / 1000, rel=1e-9)
    assert totals["co2e_process"].magnitude == pytest.approx(_solved("lfp_metal").totals()["co2e_process"].magnitude
                                                             / (1 + 0.25 / 0.51), rel=1e-9)  # fmt: skip
    offgas = results.flow("calcine.offgas->kiln_offgas.in")
    c = results.components
    assert offgas[c.index("NH3(g)")] == pytest.approx(n, rel=1e-9)
    assert offgas[c.index("H2(g)")] == pytest.approx(n, rel=1e-9)
    assert totals["shipped_mass"].magnitude == pytest.approx(n * Formula("Fe").relative_mass / 1000, rel=1e-9)
    assert totals["water_fresh"].magnitude == 0
    assert totals["waste_total"].magnitude == 0
    assert results.closure.worst < 1e-9
