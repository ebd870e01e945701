"""The conventional sulfate route to NMC811, built in Python for the engine's tests.

Refinery: Ni, Mn, Co metal dissolved in H2SO4 (releasing H2), crystallised to
NiSO4·6H2O, CoSO4·7H2O and MnSO4·H2O with the mother liquor recycled and bled;
shipped by sea; pCAM plant: redissolved, co-precipitated with NaOH and NH3, filtered
and washed, dried; CAM plant: calcined with LiOH·H2O in O2.
"""

from flowsheet import Flowsheet
from flowsheet.operations import (
    Calciner,
    CoPrecipitator,
    Dissolver,
    Dryer,
    EvaporativeCrystallizer,
    Feed,
    Mixer,
    Product,
    Splitter,
    TransportLeg,
    Washer,
)

CAM = "LiNi0.8Mn0.1Co0.1O2"
PCAM = "Ni0.8Mn0.1Co0.1(OH)2"


def build(crystal_yield=1.0, bleed=0.1, caustic_excess=0.0, wash_efficiency=1.0, moisture=0.0, utilities=False):
    sheet = Flowsheet("nmc811 sulfate", regions={"refinery": "ID", "pcam": "CN", "cam": "KR"})
    heat = (lambda name: name) if utilities else (lambda name: "")
    sheet.add(
        Feed("metals", {"Ni": "0.8 mol/s", "Mn": "0.1 mol/s", "Co": "0.1 mol/s"}),
        Feed("acid", {"H2SO4(aq)": "1 mol"}, dosed=True),
        Feed("water", {"H2O(l)": "1 mol"}, dosed=True),
        Dissolver(
            "dissolve",
            reactions=[
                "Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)",
                "Mn + H2SO4(aq) -> MnSO4(aq) + H2(g)",
                "Co + H2SO4(aq) -> CoSO4(aq) + H2(g)",
            ],
            molality="1.7 mol/kg",
            temperature="80 degC",
            site="refinery",
            utility=heat("steam_gas_boiler"),
        ),
        Product("hydrogen", kind="emission"),
        Mixer("liquor_mix", inlet_names=("fresh", "recycle")),
        EvaporativeCrystallizer(
            "crystallize",
            products={"NiSO4·6H2O": crystal_yield, "CoSO4·7H2O": crystal_yield, "MnSO4·H2O": crystal_yield},
            molality="3 mol/kg",
            temperature="40 degC",
            site="refinery",
            utility=heat("mvr_evaporator"),
        ),
        Splitter("liquor_split", fractions={"recycle": 1 - bleed, "bleed": bleed}),
        Product("liquor_bleed", kind="wastewater"),
        Product("vapor", kind="emission"),
        TransportLeg("ship", mode="sea", distance="12237 km"),
        Feed("dissolving_water", {"H2O(l)": "1 mol"}, dosed=True),
        Dissolver(
            "redissolve",
            reactions=[
                "NiSO4·6H2O -> NiSO4(aq) + 6 H2O",
                "CoSO4·7H2O -> CoSO4(aq) + 7 H2O",
                "MnSO4·H2O -> MnSO4(aq) + H2O",
            ],
            acid="",
            molality="2 mol/kg",
            temperature="50 degC",
            site="pcam",
            utility=heat("steam_gas_boiler"),
        ),
        Product("no_gas", kind="emission"),
        Feed("caustic", {"NaOH(aq)": "32 kg", "H2O(l)": "68 kg"}, dosed=True),
        Feed("ammonia", {"NH3(aq)": "25 kg", "H2O(l)": "75 kg"}, dosed=True),
        CoPrecipitator(
            "precipitate",
            product=PCAM,
            caustic_excess=caustic_excess,
            ammonia_ratio=0.8,
            ammonia_recovery=0.95,
            site="pcam",
            utility=heat("steam_gas_boiler"),
        ),
        Feed("wash", {"H2O(l)": "1 mol"}, dosed=True),
        Washer("filter", cake_moisture=0.15, wash_ratio="5 L/kg", wash_efficiency=wash_efficiency, site="pcam"),
        Product("filtrate", kind="wastewater"),
        Dryer("dry", moisture=moisture, temperature="110 degC", site="pcam", utility=heat("electric_dryer")),
        Product("dryer_vapor", kind="emission"),
        Feed("lithium", {"LiOH·H2O": "1 mol"}, dosed=True),
        Feed("oxygen", {"O2": "1 mol"}, dosed=True),
        Calciner(
            "calcine",
            product=CAM,
            precursor=PCAM,
            lithium_source="LiOH·H2O",
            temperature="800 degC",
            site="cam",
            utility=heat("electric_kiln"),
        ),
        Product("cam"),
        Product("offgas", kind="emission"),
    )
    for source, target in [
        ("metals", "dissolve.feed"),
        ("acid", "dissolve.acid"),
        ("water", "dissolve.water"),
        ("dissolve.gas", "hydrogen"),
        ("dissolve.solution", "liquor_mix.fresh"),
        ("liquor_mix", "crystallize"),
        ("crystallize.mother_liquor", "liquor_split"),
        ("liquor_split.recycle", "liquor_mix.recycle"),
        ("liquor_split.bleed", "liquor_bleed"),
        ("crystallize.vapor", "vapor"),
        ("crystallize.crystals", "ship"),
        ("ship", "redissolve.feed"),
        ("dissolving_water", "redissolve.water"),
        ("redissolve.gas", "no_gas"),
        ("redissolve.solution", "precipitate.feed"),
        ("caustic", "precipitate.caustic"),
        ("ammonia", "precipitate.ammonia"),
        ("precipitate.slurry", "filter.slurry"),
        ("wash", "filter.wash_water"),
        ("filter.filtrate", "filtrate"),
        ("filter.cake", "dry"),
        ("dry.vapor", "dryer_vapor"),
        ("dry.dry", "calcine.feed"),
        ("lithium", "calcine.lithium"),
        ("oxygen", "calcine.gas"),
        ("calcine.product", "cam"),
        ("calcine.offgas", "offgas"),
    ]:
        sheet.connect(source, target)
    return sheet
