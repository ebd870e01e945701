"""Every shipped route solves, closes, cites its sources, and its stoichiometric KPIs match hand derivations.

Per kg of LiMO2 cathode there is one metal atom per formula unit: n = 1000 / M(CAM) mol.
"""

from pathlib import Path

import pytest

from flowsheet.batch import solve_loaded, solve_route
from flowsheet.provenance import provenance, recycled_content
from flowsheet.route_file import load_route
from tests.conftest import AL, CO, CU, FE, LI, MN, NA, NI, C, H, N, O, P, S
from tests.transport_tables import way_km

ROUTES = Path(__file__).parents[1] / "routes"
SHIPPED = sorted(ROUTES.glob("*.yaml"))
NMC811 = {"Ni": 0.8, "Mn": 0.1, "Co": 0.1}
NMC622 = {"Ni": 0.6, "Mn": 0.2, "Co": 0.2}
NMC111 = {"Ni": 1 / 3, "Mn": 1 / 3, "Co": 1 / 3}
METAL = {"Ni": NI, "Mn": MN, "Co": CO}
SULFATE = {"Ni": NI + S + 10 * O + 12 * H, "Co": CO + S + 11 * O + 14 * H, "Mn": MN + S + 5 * O + 2 * H}  # hydrates
NA2SO4 = 2 * NA + S + 4 * O
CO2 = C + 2 * O


def moles(shares):
    return 1000 / (LI + sum(x * METAL[m] for m, x in shares.items()) + 2 * O)


@pytest.fixture(scope="module")
def solved():
    return {path.stem: solve_route(load_route(path)) for path in SHIPPED}


def kpi(summary, name):
    return summary["kpis"][name]["value"]


def test_the_shipped_routes_are_all_there():
    assert {p.stem for p in SHIPPED} == {
        "nmc811_sulfate",
        "nmc811_sulfate_discharge",
        "nmc622_sulfate",
        "nmc111_sulfate",
        "nmc111_sulfate_carbonate",
        "nmc622_sulfate_carbonate",
        "nmc811_m2cam",
        "nmc811_one_pot_coated",
        "nmc811_recycled",
        "lfp_sulfate",
        "lfp_metal",
        "lfp_metal_direct",
        "nca_sulfate",
        "lmfp_solid_state",
        "lnmo_sulfate",
        "lnmo_sulfate_carbonate",
        "sodium_layered_sulfate",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_route_closes_and_cites_its_sources(path, solved):
    route = load_route(path)
    assert route.spec.sources, "a shipped route cites its sources"
    assert route.spec.assumptions, "a shipped route states its assumptions"
    summary = solved[path.stem]
    assert summary["closure"]["mass_relative_error"] < 1e-9
    assert max(summary["closure"]["elements"].values()) < 1e-9
    assert kpi(summary, "product") == pytest.approx(1.0, rel=1e-12)
    assert kpi(summary, "heat_unassigned") == 0


@pytest.mark.parametrize(
    ("route", "shares"),
    [
        ("nmc811_sulfate", NMC811),
        ("nmc622_sulfate", NMC622),
        ("nmc111_sulfate", NMC111),
        ("nmc111_sulfate_carbonate", NMC111),
        ("nmc622_sulfate_carbonate", NMC622),
        ("nmc811_sulfate_discharge", NMC811),
    ],
)
def test_sulfate_routes_ship_hydrated_sulfates_and_leave_sodium_sulfate(route, shares, solved):
    n = moles(shares)
    shipped = n * sum(x * SULFATE[m] for m, x in shares.items()) / 1000
    summary = solved[route]
    assert kpi(summary, "shipped_mass") == pytest.approx(shipped, rel=1e-9)
    # the refinery's port to the precursor plant's (data/transport/ports.csv, sea_distances.csv) and inland legs
    assert kpi(summary, "freight") == pytest.approx(shipped / 1000 * sum(way_km("ID", "CN").values()), rel=1e-9)
    # one Na2SO4 per metal; what washing leaves in the cake ends in the cathode as an impurity
    impurity = solved_impurity(route)
    assert kpi(summary, "sodium_sulfate") + impurity == pytest.approx(n * NA2SO4 / 1000, rel=1e-9)
    # that impurity is the cathode's sulfur: 32.06 / 142.04 of the Na2SO4, per kg of what the kiln gives
    assert impurity * S / NA2SO4 / CAM_MASS[route] == pytest.approx(kpi(summary, "impurity_S") / 1e6, rel=1e-9)


CAM_MASS = {}
"""kg leaving the kiln per kg of cathode, by route, as solved_impurity finds it."""


def solved_impurity(route):
    from flowsheet.solve import solve

    loaded = load_route(ROUTES / f"{route}.yaml")
    results = solve(loaded.flowsheet, "1 kg", loaded.spec.product)
    cam = results.flow("calcine.product->cam.in")
    # solid, or molten above 1157 K (NMC111 is fired at 900 degC)
    forms = [label for label in ("Na2SO4(s)", "Na2SO4(l)") if label in results.components]
    CAM_MASS[route] = float(cam @ results.components.molar_masses)
    return sum(cam[results.components.index(label)] for label in forms) * NA2SO4 / 1000


def test_sulfate_nmc811_matches_the_published_stoichiometry(solved):
    # stoichiometry (tests/chemistry/test_route_stoichiometry.py): 2.6242 kg hydrated sulfates, 1.4601 kg Na2SO4 per kg NMC811
    summary = solved["nmc811_sulfate"]
    assert kpi(summary, "shipped_mass") == pytest.approx(2.6242, abs=5e-4)
    assert kpi(summary, "sodium_sulfate") + solved_impurity("nmc811_sulfate") == pytest.approx(1.4601, abs=1e-4)


@pytest.mark.parametrize("route", ["nmc811_m2cam", "nmc811_one_pot_coated"])
def test_metal_powder_routes_ship_metal_and_leave_no_sulfate(route, solved):
    n = moles(NMC811)
    summary = solved[route]
    assert kpi(summary, "shipped_mass") == pytest.approx(
        n * sum(x * METAL[m] for m, x in NMC811.items()) / 1000, rel=1e-9
    )
    assert kpi(summary, "sodium_sulfate") == 0
    assert kpi(summary, "wastewater") == 0
    # CO2 from Li2CO3 (Li/M 1.03: 0.515 per metal) and the burnt acetic acid make-up (2 * 0.1 mol, 2 C each)
    assert kpi(summary, "co2e_process") == pytest.approx(n * (0.515 + 2 * 0.1 * 2) * CO2 / 1000, rel=1e-9)


def test_metal_powder_ships_about_a_quarter_of_the_sulfate_mass(solved):
    ratio = kpi(solved["nmc811_m2cam"], "shipped_mass") / kpi(solved["nmc811_sulfate"], "shipped_mass")
    hand = sum(x * METAL[m] for m, x in NMC811.items()) / sum(x * SULFATE[m] for m, x in NMC811.items())
    assert ratio == pytest.approx(hand, rel=1e-9)  # 0.2285
    assert ratio == pytest.approx(0.229, abs=0.001)


def test_carbonate_calcination_releases_carbon_dioxide(solved):
    # Li/M = 1.03 as Li2CO3: 0.515 CO2 per metal, all released (excess decomposes to Li2O)
    for route, shares in (("nmc111_sulfate_carbonate", NMC111), ("nmc622_sulfate_carbonate", NMC622)):
        expected = moles(shares) * 0.515 * CO2 / 1000
        assert kpi(solved[route], "co2e_process") == pytest.approx(expected, rel=1e-9)
    assert kpi(solved["nmc111_sulfate"], "co2e_process") == 0


def test_discharging_the_mother_liquor_trades_evaporation_for_wastewater(solved):
    kept, discharged = solved["nmc811_sulfate"], solved["nmc811_sulfate_discharge"]
    assert kpi(discharged, "wastewater") > 10 * kpi(kept, "wastewater")
    assert kpi(discharged, "water_evaporated") < kpi(kept, "water_evaporated")
    assert kpi(discharged, "sodium_sulfate") == pytest.approx(kpi(kept, "sodium_sulfate"), rel=1e-9)


def test_the_coating_stays_on_the_cathode():
    from flowsheet.solve import solve

    route = load_route(ROUTES / "nmc811_one_pot_coated.yaml")
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    alumina = results.flow("fire.product->cam.in")[results.components.index("Al2O3")]
    # 0.005 Al per metal: 0.0025 Al2O3 per metal
    assert alumina == pytest.approx(moles(NMC811) * 0.0025, rel=1e-9)


def test_recycled_route_leaves_sodium_sulfate_from_extraction_and_precipitation(solved):
    # solvent extraction: 2 NaOH + H2SO4 -> Na2SO4 + 2 H2O per metal transferred; co-precipitation: 1 more
    n = moles(NMC811)
    impurity = solved_impurity("nmc811_recycled")
    assert kpi(solved["nmc811_recycled"], "sodium_sulfate") + impurity == pytest.approx(2 * n * NA2SO4 / 1000, rel=1e-9)


def test_recycled_route_ships_the_black_mass_it_needs(solved):
    # 98 % leached, 99.5 % extracted: n / (0.98 * 0.995) mol cathode in black mass, with 4 C, 0.05 Cu, 0.1 Al each
    n = moles(NMC811)
    cathode = LI + sum(x * METAL[m] for m, x in NMC811.items()) + 2 * O
    black_mass = n / (0.98 * 0.995) * (cathode + 4 * C + 0.05 * CU + 0.1 * AL) / 1000
    assert kpi(solved["nmc811_recycled"], "shipped_mass") == pytest.approx(black_mass, rel=1e-9)


def test_recycled_route_traces_its_metals_to_the_black_mass():
    from flowsheet.solve import solve

    route = load_route(ROUTES / "nmc811_recycled.yaml")
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    for element in ("Ni", "Co", "Mn"):
        assert provenance(results, element).loc["cam", "black_mass"] == pytest.approx(1.0, abs=1e-12)
    assert provenance(results, "Li").loc["cam", "lithium"] == pytest.approx(1.0, abs=1e-12)  # fresh lithium
    # recycled content counts every element but O and H: per mol CAM 0.8 Ni + 0.1 Mn + 0.1 Co recycled, against
    # those plus 1.03 Li (Li/M 1.03, the excess leaving as Li2O) and the Na and S the washed cake carries over,
    # as Na2SO4 and as the excess NaOH of the co-precipitation (molten at the firing temperature), ~0.888
    n = moles(NMC811)
    metals = n * sum(x * METAL[m] for m, x in NMC811.items()) / 1000
    sodium_sulfur = solved_impurity("nmc811_recycled") * (2 * NA + S) / NA2SO4
    cam = results.flow("calcine.product->cam.in")
    sodium_sulfur += cam[results.components.index("NaOH(l)")] * NA / 1000
    expected = metals / (metals + n * 1.03 * LI / 1000 + sodium_sulfur)
    assert recycled_content(results)["cam"] == pytest.approx(expected, rel=1e-12)


def test_recycled_route_uses_the_sourced_hydrometallurgy_defaults():
    from flowsheet.datafiles import read_table

    data = {row["parameter"]: row.number("value") for row in read_table("recycling/hydrometallurgy.csv")}
    units = load_route(ROUTES / "nmc811_recycled.yaml").spec.units
    leach, extract = units["leach"], units["extract"]
    assert [reaction[2] for reaction in leach["reactions"]] == [
        data["leach_efficiency_cathode"],
        data["leach_efficiency_copper"],
        data["leach_efficiency_aluminium"],
    ]
    assert (leach["excess"], leach["reductant_excess"]) == (data["leach_acid_excess"], data["leach_reductant_excess"])
    assert leach["temperature"] == f"{data['leach_temperature']:g} degC"
    assert set(extract["extracted"].values()) == {data["sx_extraction"]}
    # the operation's fixed ratios are the tabulated stoichiometry
    from flowsheet.operations.hydrometallurgy import NEUTRALISATION

    assert -NEUTRALISATION["NaOH(aq)"] == data["sx_caustic_per_metal"]
    assert -NEUTRALISATION["H2SO4(aq)"] == data["sx_acid_per_metal"]


# LiFePO4: one Fe per formula unit, n = 1000 / M(LiFePO4) mol per kg
LFP = LI + FE + P + 4 * O  # 157.75
COPPERAS = FE + S + 11 * O + 14 * H  # FeSO4·7H2O, 278.01
AMMONIUM_SULFATE = 2 * N + 8 * H + S + 4 * O  # 132.14
GLUCOSE = 6 * C + 12 * H + 6 * O


@pytest.fixture(scope="module")
def lfp():
    return {name: solve_loaded(load_route(ROUTES / f"{name}.yaml")) for name in ("lfp_sulfate", "lfp_metal")}


def _in_products(results, species, *kinds):
    frame = results.streams()
    names = {s.name for s in results.product_streams(*kinds)}
    return frame.loc[frame.index.isin(names), f"{species} [kg]"].sum() if f"{species} [kg]" in frame else 0.0


def test_lfp_sulfate_route_ships_copperas_and_makes_ammonium_sulfate(lfp):
    n = 1000 / LFP
    results = lfp["lfp_sulfate"]
    reagents = {name: q.m_as("kg") for name, q in results.reagents().items()}
    assert reagents["copperas"] == pytest.approx(n * COPPERAS / 1000, rel=1e-9)  # 1.7623 kg
    assert reagents["copperas"] == pytest.approx(1.7623, abs=1e-4)
    # FeSO4 + H3PO4 + 1/2 H2O2 + 2 NH3 + H2O -> FePO4·2H2O + (NH4)2SO4: one (NH4)2SO4 per Fe, 0.8376 kg;
    # what the wash leaves in the cake decomposes on dehydration, its sulfur leaving as SO3
    salt = _in_products(results, "(NH4)2SO4(s)", "byproduct") + _in_products(results, "(NH4)2SO4(aq)", "wastewater")
    so3 = _in_products(results, "SO3(g)", "emission") / (S + 3 * O) * AMMONIUM_SULFATE
    assert salt + so3 == pytest.approx(n * AMMONIUM_SULFATE / 1000, rel=1e-9)
    assert n * AMMONIUM_SULFATE / 1000 == pytest.approx(0.8376, abs=1e-4)
    assert 0.8 < salt < n * AMMONIUM_SULFATE / 1000  # most is crystallised; the bleed and the cake take the rest
    # 85 wt % H3PO4 at P/Fe 1.00; 25 wt % NH3 at 2 per Fe
    assert reagents["phosphoric_acid"] == pytest.approx(n * (3 * H + P + 4 * O) / 0.85 / 1000, rel=1e-4)
    assert reagents["ammonia"] == pytest.approx(n * 2 * (N + 3 * H) / 0.25 / 1000, rel=1e-4)
    kpis = {k: q.magnitude for k, q in results.totals().items()}
    assert kpis["sodium_sulfate"] == 0
    assert kpis["shipped_mass"] == pytest.approx(n * COPPERAS / 1000, rel=1e-9)


@pytest.mark.parametrize("route", ["lfp_sulfate", "lfp_metal"])
def test_lfp_firing_under_nitrogen_doses_lithium_and_glucose_by_hand_stoichiometry(route, lfp):
    n = 1000 / LFP
    results = lfp[route]
    reagents = {name: q.m_as("kg") for name, q in results.reagents().items()}
    # FePO4 + 1/2 Li2CO3 -> LiFePO4 + 1/2 CO2 + 1/4 O2; Li/Fe 1.02, so 0.51 Li2CO3 per Fe
    assert reagents["lithium"] == pytest.approx(n * 0.51 * (2 * LI + C + 3 * O) / 1000, rel=1e-9)
    # the released 1/4 O2 goes to glucose: 1/24 C6H12O6 -> 1/4 CO2 + 1/4 H2O; the 2 wt % carbon
    # left comes from C6H12O6 -> 6 C + 6 H2O: 0.02 kg C per kg LiFePO4
    reduction = 1 / 24
    coating = 0.02 * LFP / C / 6
    assert reagents["glucose"] == pytest.approx(n * (reduction + coating) * GLUCOSE / 1000, rel=1e-9)
    # CO2: 0.51 from Li2CO3 (its excess decomposes to Li2O) and 6/24 from the reduction
    co2 = results.totals()["co2e_process"].m_as("kg")
    assert co2 == pytest.approx(n * (0.51 + 6 * reduction) * (C + 2 * O) / 1000, rel=1e-9)  # 0.2120 kg
    product = results.stream(results.product_streams("product")[0].name)
    carbon = product.flows["C(s)"] * C / 1000 / (product.flows["LiFePO4(s)"] * LFP / 1000)
    assert carbon == pytest.approx(0.02, rel=1e-9)


def test_lfp_from_iron_powder_ships_a_fifth_of_the_mass_and_leaves_no_sulfate(lfp):
    n = 1000 / LFP
    metal, sulfate = ({k: q.magnitude for k, q in lfp[name].totals().items()} for name in ("lfp_metal", "lfp_sulfate"))
    assert metal["shipped_mass"] == pytest.approx(n * FE / 1000, rel=1e-9)  # 0.3540 kg
    assert metal["shipped_mass"] / sulfate["shipped_mass"] == pytest.approx(FE / COPPERAS, rel=1e-9)  # 0.201
    assert metal["sodium_sulfate"] == 0
    assert metal["waste_total"] == 0
    # Fe + H3PO4 + 1/2 H2O2 + H2O -> FePO4·2H2O + H2: one H2 per Fe, 0.0128 kg
    hydrogen = _in_products(lfp["lfp_metal"], "H2(g)", "emission")
    assert hydrogen == pytest.approx(n * 2 * H / 1000, rel=1e-9)
    frame = lfp["lfp_metal"].streams()
    assert not any("SO4" in column for column in frame.columns)


def test_nca_sulfate_route_doses_aluminium_sulfate_and_rests_on_estimates(solved):
    # 0.8 NiSO4 + 0.15 CoSO4 + 0.025 Al2(SO4)3 + 2.05 NaOH -> Ni0.8Co0.15Al0.05(OH)2.05 + 1.025 Na2SO4
    nca = LI + 0.8 * NI + 0.15 * CO + 0.05 * AL + 2 * O  # 96.08
    n = 1000 / nca
    summary = solved["nca_sulfate"]
    hydrates = 0.8 * SULFATE["Ni"] + 0.15 * SULFATE["Co"]
    assert kpi(summary, "shipped_mass") == pytest.approx(n * hydrates / 1000, rel=1e-9)  # 2.627 kg
    formed = n * 1.025 * NA2SO4 / 1000  # 1.515 kg, the washed cake carrying a little into the cathode
    assert kpi(summary, "sodium_sulfate") + solved_impurity("nca_sulfate") == pytest.approx(formed, rel=1e-9)
    estimated = summary["species"]["estimated"]
    assert "LiNi0.8Co0.15Al0.05O2(s): formation_enthalpy, heat_capacity" in estimated
    assert "Ni0.8Co0.15Al0.05(OH)2.05(s): formation_enthalpy, heat_capacity" in estimated


def test_nca_sulfate_route_doses_alum_to_the_aluminium_share():
    results = solve_loaded(load_route(ROUTES / "nca_sulfate.yaml"))
    n = 1000 / (LI + 0.8 * NI + 0.15 * CO + 0.05 * AL + 2 * O)
    alum = 2 * AL + 3 * (S + 4 * O)
    assert results.reagents()["alum"].m_as("kg") == pytest.approx(n * 0.025 * alum / 0.27 / 1000, rel=1e-9)
    # all the Na2SO4 formed leaves: as the KPI's waste, and the little the washed cake carries into the cathode
    kinds = ("product", "waste", "wastewater", "byproduct")
    formed = sum(_in_products(results, f"Na2SO4({phase})", *kinds) for phase in ("s", "aq", "l"))
    assert formed == pytest.approx(n * 1.025 * NA2SO4 / 1000, rel=1e-9)
    in_cathode = sum(_in_products(results, f"Na2SO4({phase})", "product") for phase in ("s", "l"))
    assert in_cathode == pytest.approx(solved_impurity("nca_sulfate"), rel=1e-9)


def test_lmfp_fires_its_three_precursors_and_rests_on_estimates(solved):
    lmfp = LI + 0.6 * MN + 0.4 * FE + P + 4 * O  # 157.21
    n = 1000 / lmfp
    summary = solved["lmfp_solid_state"]
    mnco3, fepo4, adp = MN + C + 3 * O, FE + P + 4 * O, N + 6 * H + P + 4 * O
    assert kpi(summary, "shipped_mass") == pytest.approx(n * (0.6 * mnco3 + 0.4 * fepo4 + 0.6 * adp) / 1000, rel=1e-9)
    # CO2: 0.6 from MnCO3, 0.51 from Li2CO3 at Li/M 1.02, and 0.1 from the glucose that takes up
    # the 0.4 * 1/4 O2 the iron's reduction releases
    assert kpi(summary, "co2e_process") == pytest.approx(n * (0.6 + 0.51 + 0.1) * (C + 2 * O) / 1000, rel=1e-9)
    assert "LiMn0.6Fe0.4PO4(s): formation_enthalpy, heat_capacity" in summary["species"]["estimated"]


def test_lnmo_makes_one_spinel_from_two_metal_atoms(solved):
    lnmo = LI + 0.5 * NI + 1.5 * MN + 4 * O  # 182.69
    n = 1000 / lnmo
    summary = solved["lnmo_sulfate"]
    hydrates = 0.5 * SULFATE["Ni"] + 1.5 * SULFATE["Mn"]  # two metal atoms per formula unit
    assert kpi(summary, "shipped_mass") == pytest.approx(n * hydrates / 1000, rel=1e-9)
    # Li2CO3 at 1.03 times the spinel's 1/2 Li2CO3 per formula unit, all its CO2 released
    assert kpi(summary, "co2e_process") == pytest.approx(n * 0.515 * (C + 2 * O) / 1000, rel=1e-9)
    # 2 Na2SO4 per formula unit, 1.555 kg, less what the washed cake carries into the cathode
    formed = n * 2 * NA2SO4 / 1000
    assert kpi(summary, "sodium_sulfate") + solved_impurity("lnmo_sulfate") == pytest.approx(formed, rel=1e-9)
    assert "LiNi0.5Mn1.5O4(s): formation_enthalpy, heat_capacity" in summary["species"]["estimated"]


def test_carbonate_lnmo_makes_the_spinel_from_a_carbonate_and_releases_its_co2(solved):
    n = 1000 / (LI + 0.5 * NI + 1.5 * MN + 4 * O)  # mol LiNi0.5Mn1.5O4 per kg, 182.69 g/mol
    summary = solved["lnmo_sulfate_carbonate"]
    # the same sulfates shipped and, with Na2CO3 for NaOH, the same one Na2SO4 per metal
    assert kpi(summary, "shipped_mass") == pytest.approx(kpi(solved["lnmo_sulfate"], "shipped_mass"), rel=1e-12)
    formed = n * 2 * NA2SO4 / 1000
    assert kpi(summary, "sodium_sulfate") + solved_impurity("lnmo_sulfate_carbonate") == pytest.approx(formed, rel=1e-9)
    # fired: 2 Ni0.25Mn0.75CO3 give 2 CO2, the 0.515 Li2CO3 another 0.515 per formula unit
    assert kpi(summary, "co2e_process") == pytest.approx(n * (2 + 0.515) * (C + 2 * O) / 1000, rel=1e-9)
    assert "Ni0.25Mn0.75CO3(s): formation_enthalpy, heat_capacity" in summary["species"]["estimated"]


def test_the_sodium_layered_oxide_route_fires_its_hydroxide_with_sodium_carbonate(solved):
    n = 1000 / (NA + 0.5 * NI + 0.5 * MN + 2 * O)  # mol NaNi0.5Mn0.5O2 per kg, 111.80 g/mol
    summary = solved["sodium_layered_sulfate"]
    assert kpi(summary, "shipped_mass") == pytest.approx(
        n * (0.5 * SULFATE["Ni"] + 0.5 * SULFATE["Mn"]) / 1000, rel=1e-9
    )
    # Na/M 1.02: 0.51 Na2CO3 per formula unit, all its carbon leaving as CO2
    assert kpi(summary, "co2e_process") == pytest.approx(n * 0.51 * (C + 2 * O) / 1000, rel=1e-9)
    # one Na2SO4 per metal from the co-precipitation, less what the washed cake carries into the cathode
    formed = n * NA2SO4 / 1000
    assert kpi(summary, "sodium_sulfate") + solved_impurity("sodium_layered_sulfate") == pytest.approx(formed, rel=1e-9)
    assert kpi(summary, "salts_to_waste") > 0.99 * kpi(summary, "sodium_sulfate")  # a waste salt, not bled metal
