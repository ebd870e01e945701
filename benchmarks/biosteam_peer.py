"""The 6-unit precipitation loop in BioSTEAM, the peer the package is measured against.

Run with a Python that has ``biosteam==2.52.14 thermosteam==0.52.11`` (see benchmarks/README.md and
the ``bench`` extra); ``run.py --peer PYTHON`` calls it and reads the last line, a JSON object.
Units as in ``precipitation_loop.py``: mixer, heater, NiSO4 + 2 NaOH precipitator, solids
separator, 30 % filtrate recycle, flash evaporator. Timed twice: at BioSTEAM's default
tolerance, and at 1e-9 set on every subsystem (``set_tolerance(..., subsystems=True)``; the
top-level ``molar_tolerance`` alone never reaches the recycle loop), which is what matches
this package's closure.
"""

import argparse
import json
import statistics
import time
import warnings

warnings.filterwarnings("ignore")  # BioSTEAM's cost correlations warn about vessel sizes; costs are not compared

start_import = time.perf_counter()
import biosteam as bst  # noqa: E402
import thermosteam as tmo  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start_import


def build():
    solutes = [
        tmo.Chemical("NiSO4", search_db=False, formula="NiSO4", phase="l"),
        tmo.Chemical("NaOH", search_db=False, formula="NaOH", phase="l"),
        tmo.Chemical("Na2SO4", search_db=False, formula="Na2SO4", phase="l"),
        tmo.Chemical("NiOH2", search_db=False, formula="NiO2H2", phase="s"),  # "Ni(OH)2" would lose its brackets
    ]
    for chemical in solutes:  # dissolved salts: water-like defaults, as a user of the peer would set them
        chemical.default()
    chemicals = tmo.Chemicals(["Water", *solutes])
    chemicals.compile()
    tmo.settings.set_thermo(chemicals)
    bst.main_flowsheet.clear()

    class Precipitator(bst.Unit):
        _N_ins = 1
        _N_outs = 1

        def _setup(self):
            super()._setup()
            self.reaction = tmo.Reaction("NiSO4 + 2NaOH -> NiOH2 + Na2SO4", reactant="NiSO4", X=1.0)

        def _run(self):
            out = self.outs[0]
            out.copy_like(self.ins[0])
            self.reaction(out)

        def _design(self):
            pass

        def _cost(self):
            pass

    feed = bst.Stream("feed", NiSO4=1, Water=55, units="kmol/hr")
    caustic = bst.Stream("caustic", NaOH=2, Water=10, units="kmol/hr")
    recycle = bst.Stream("recycle")
    mixer = bst.Mixer("M1", ins=(feed, caustic, recycle))
    heater = bst.HXutility("H1", ins=mixer - 0, T=333.15)
    precipitator = Precipitator("R1", ins=heater - 0)
    separator = bst.SolidsSeparator(
        "S1", ins=precipitator - 0, outs=("cake", "filtrate"), split=dict(NiOH2=1.0), moisture_content=0.3
    )
    splitter = bst.Splitter("SP", ins=separator - 1, outs=(recycle, "purge"), split=0.3)
    flash = bst.Flash("F1", ins=splitter - 1, outs=("vapor", "brine"), V=0.7, P=101325)
    system = bst.System.from_units("loop", [mixer, heater, precipitator, separator, splitter, flash])
    return system, feed, caustic, splitter


def closure(system) -> float:
    mass_in = sum(s.F_mass for s in system.feeds)
    mass_out = sum(s.F_mass for s in system.products)
    return abs(mass_in - mass_out) / mass_in


def timed(system, feed, caustic, splitter, repeats: int, samples: int) -> dict:
    """One simulate (mass and energy: heater and flash duties) with a changed feed, and a loop of samples."""
    times = []
    for i in range(repeats):  # a changed feed each time, as a new sample would be
        feed.imol["NiSO4"] = 1.0 + 0.001 * (i % 7)
        caustic.imol["NaOH"] = 2.0 * feed.imol["NiSO4"]
        start = time.perf_counter()
        system.simulate()
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    worst = 0.0
    for i in range(samples):
        splitter.split[:] = 0.1 + 0.4 * ((i * 0.6180339887) % 1.0)
        system.simulate()
        worst = max(worst, closure(system))
    return {"simulate [ms]": statistics.median(times) * 1e3, "samples [s]": time.perf_counter() - start, "worst": worst}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    arguments = parser.parse_args()
    system, feed, caustic, splitter = build()
    system.simulate()
    default = timed(system, feed, caustic, splitter, arguments.repeats, arguments.samples)
    # like for like with a closure of 1e-9: the tolerance must reach the recycle loop's own subsystem
    system.set_tolerance(mol=1e-9, rmol=1e-9, subsystems=True)
    system.simulate()
    tight = timed(system, feed, caustic, splitter, arguments.repeats, arguments.samples)
    print(
        json.dumps(
            {
                "import [s]": IMPORT_SECONDS,
                "simulate, tolerance 1e-9 [ms]": tight["simulate [ms]"],
                f"{arguments.samples} samples, tolerance 1e-9 [s]": tight["samples [s]"],
                "mass closure, tolerance 1e-9, worst sample": tight["worst"],
                "simulate, default tolerance [ms]": default["simulate [ms]"],
                f"{arguments.samples} samples, default tolerance [s]": default["samples [s]"],
                "mass closure, default tolerance, worst sample": default["worst"],
            }
        )
    )


if __name__ == "__main__":
    main()
