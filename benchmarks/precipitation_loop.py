"""The 6-unit precipitation loop of the BioSTEAM comparison, built with this package.

Mixer (fresh feed + recycled filtrate), heater, NiSO4 + 2 NaOH precipitator, solids
separator, 30 % filtrate recycle, evaporator: the flowsheet measured in
benchmarks/README.md and rebuilt in ``biosteam_peer.py``.
"""

from flowsheet import Flowsheet
from flowsheet.operations import CoPrecipitator, EvaporativeCrystallizer, Feed, Mixer, Product, Splitter, Washer


def build(recycle: float = 0.3) -> Flowsheet:
    sheet = Flowsheet("precipitation loop")
    sheet.add(
        Feed("feed", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "55 mol/s"}),
        Feed("caustic", {"NaOH(aq)": "1 mol", "H2O(l)": "5 mol"}, dosed=True),
        Mixer("mix", inlet_names=("fresh", "recycle")),
        Mixer("heat", inlet_names=("in",), temperature="60 degC"),
        CoPrecipitator("precipitate", product="Ni(OH)2", temperature="60 degC"),
        Washer("separate", cake_moisture=0.3),
        Splitter("split", fractions={"recycle": recycle, "purge": 1 - recycle}),
        EvaporativeCrystallizer("evaporate", products={}, molality="3 mol/kg", temperature="100 degC"),
        Product("cake"),
        Product("vapor", kind="emission"),
        Product("brine", kind="wastewater"),
        Product("crystals", kind="waste"),
    )
    for source, target in [
        ("feed", "mix.fresh"),
        ("mix", "heat"),
        ("heat", "precipitate.feed"),
        ("caustic", "precipitate.caustic"),
        ("precipitate.slurry", "separate.slurry"),
        ("separate.cake", "cake"),
        ("separate.filtrate", "split"),
        ("split.recycle", "mix.recycle"),
        ("split.purge", "evaporate"),
        ("evaporate.vapor", "vapor"),
        ("evaporate.mother_liquor", "brine"),
        ("evaporate.crystals", "crystals"),
    ]:
        sheet.connect(source, target)
    return sheet
