"""Speed and scale, measured on this machine: ``python benchmarks/run.py [--quick] [--peer PYTHON]``.

Prints one table (and writes ``benchmarks/results.md`` unless ``--quick``):

- one warm solve of the NMC811 sulfate route (median of many), sparse and vectorised paths;
- ``flowsheet.sample`` (the public call, its table included) at 1,000 to 1,000,000 samples, with peak
  memory, in a new process each: with the compiled kernel (prepared first) and with numpy alone;
- ``flowsheet sweep`` as a whole command (a new process) at 100,000 and 1,000,000 samples: wall
  time, peak memory, and the time after the samples are solved (percentiles and rank drivers);
- solve time against flowsheet size (chains of mixer-splitter recycle loops, 10 to 1,000 units);
- start-up: ``flowsheet --help``, ``flowsheet formula`` and a cold ``flowsheet compare routes/`` (new processes);
- one move of ``flowsheet.what_if`` (solve, KPI table, Sankey) and one ``model.solve`` of a compiled route;
- the 6-unit precipitation loop here and, with ``--peer`` naming a Python that has BioSTEAM,
  in BioSTEAM (``biosteam_peer.py``), simulated once and in a 1,000-sample loop, the two taken in
  turn, each in a fresh process, four rounds (the load average noted before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def median_time(function, repeats: int) -> float:
    """Median wall time of `function()`, [s], after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def warm_solve(repeats: int) -> dict:
    import numpy as np

    from flowsheet import solve
    from flowsheet.route_file import load_route
    from flowsheet.sampling import evaluate

    route = load_route(ROOT / "routes" / "nmc811_sulfate.yaml")
    results = median_time(lambda: solve(route.flowsheet, "1 kg", route.spec.product).totals(), repeats)
    changed = iter(np.linspace(0.004, 0.008, 10_000))
    one = median_time(lambda: evaluate(route, {"units.filter.wash_ratio": np.array([next(changed)])}), repeats)
    return {
        "solve and totals [ms]": results * 1e3,
        "changed wash ratio, KPIs [ms]": one * 1e3,
        "mass closure": solve(route.flowsheet, "1 kg", route.spec.product).closure.worst,
    }


MONTE_CARLO = """
import json, resource, sys, time
import flowsheet
n = int(sys.argv[1])
route = flowsheet.load_route(sys.argv[2])
flowsheet.sample(route, 10, seed=1)
start = time.perf_counter()
table = flowsheet.sample(route, n)
elapsed = time.perf_counter() - start
assert table.shape[0] == n
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _in_new_process(script: str, samples: int, kernel: str = "auto") -> dict:
    """Run `script` in a fresh interpreter on the sulfate route with `samples`; return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(samples), str(ROOT / "routes" / "nmc811_sulfate.yaml")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FLOWSHEET_KERNEL": kernel},
    )
    return json.loads(done.stdout)


def monte_carlo(sizes: list[int]) -> list[dict]:
    """``flowsheet.sample`` in a new process per size, with the compiled kernel and with numpy alone."""
    from flowsheet.solve.kernel_cache import prepare

    prepare()  # compiled once and on disk, as a second run of any command finds it
    rows = []
    for n in sizes:
        for kernel in ("compiled", "numpy"):
            found = _in_new_process(MONTE_CARLO, n, kernel)
            rows.append(
                {
                    "samples": n,
                    "mass balance": kernel,
                    "seconds": found["seconds"],
                    "samples/s": n / found["seconds"],
                    "peak memory [MB]": found["peak_mb"],
                }
            )
    return rows


SWEEP = """
import contextlib, io, json, resource, sys, time
start = time.perf_counter()
from flowsheet.cli import main
from flowsheet import sampling
stages = {}
solve = sampling.sample
def timed(*args, **kwargs):
    frame = solve(*args, **kwargs)
    stages["solved"] = time.perf_counter()
    return frame
sampling.sample = timed
with contextlib.redirect_stdout(io.StringIO()):
    status = main(["sweep", sys.argv[2], "--samples", sys.argv[1]])
end = time.perf_counter()
print(json.dumps({"status": status, "seconds": end - start, "after solve": end - stages["solved"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def sweep_command(sizes: list[int]) -> list[dict]:
    """``flowsheet sweep`` whole (import to table), in a new process per size: wall time and peak memory."""
    rows = []
    for n in sizes:
        found = _in_new_process(SWEEP, n)
        rows.append(
            {
                "samples": n,
                "whole command [s]": found["seconds"],
                "after the samples are solved (percentiles, drivers, table) [s]": found["after solve"],
                "peak memory [MB]": found["peak_mb"],
            }
        )
    return rows


def chain(units: int):
    """A chain of mixer-splitter pairs, each pair a recycle loop (20 % back), `units` units in all."""
    from flowsheet import Flowsheet
    from flowsheet.operations import Feed, Mixer, Product, Splitter

    sheet = Flowsheet(f"chain of {units}")
    sheet.add(Feed("feed", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}), Product("out"))
    previous = "feed"
    for i in range(units // 2):
        sheet.add(Mixer(f"m{i}"), Splitter(f"s{i}", fractions={"back": 0.2, "on": 0.8}))
        sheet.connect(previous, f"m{i}.in1")
        sheet.connect(f"m{i}", f"s{i}")
        sheet.connect(f"s{i}.back", f"m{i}.in2")
        previous = f"s{i}.on"
    sheet.connect(previous, "out")
    return sheet


def scaling(sizes: list[int], repeats: int) -> list[dict]:
    import numpy as np

    from flowsheet.solve.engine import Plans, solve_mass

    rows = []
    for size in sizes:
        start = time.perf_counter()
        sheet = chain(size)
        components = sheet.check()
        plans = Plans()  # what the solves build, kept between them as a model keeps it
        solve_mass(sheet, components, plans=plans)
        cold = time.perf_counter() - start
        shares = iter(np.linspace(0.1, 0.3, 10_000))

        def changed(s=sheet, c=components, shares=shares, plans=plans) -> object:
            share = next(shares)
            return solve_mass(s, c, {"s0": {"fractions.back": [share], "fractions.on": [1 - share]}}, plans=plans)

        warm = median_time(changed, repeats)
        rows.append(
            {
                "units": size,
                "build, check and first solve [ms]": cold * 1e3,
                "changed first split, solve [ms]": warm * 1e3,
                "per unit [us]": warm / size * 1e6,
            }
        )
    return rows


def command_time(*arguments: str, repeats: int = 1) -> dict:
    """A ``flowsheet`` command in new processes: median wall time and CPU time (user + system), [s]."""
    import resource

    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "flowsheet"), *arguments], capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"wall [s]": statistics.median(walls), "cpu [s]": statistics.median(cpus)}


def start_up(repeats: int) -> dict:
    """``flowsheet --help``, ``flowsheet formula`` and a cold ``compare`` of every shipped route."""
    routes = sorted((ROOT / "routes").glob("*.yaml"))
    return {
        "flowsheet --help": command_time("--help", repeats=repeats),
        "flowsheet formula": command_time("formula", "NiSO4·6H2O", repeats=repeats),
        f"flowsheet compare routes/ ({len(routes)} routes), cold": command_time(
            "compare", str(ROOT / "routes"), repeats=max(1, repeats // 5)
        ),
    }


def what_if_move(repeats: int) -> dict:
    """One slider move of ``flowsheet.what_if``: the model's solve, the KPI table and the Sankey, redrawn in Python."""
    import numpy as np

    import flowsheet

    view = flowsheet.what_if(ROOT / "routes" / "nmc811_sulfate.yaml")
    model = flowsheet.compile(view.route, vary=["units.filter.wash_ratio"])
    ratios = iter(np.linspace(3.0, 10.0, 10_000))

    def move() -> None:
        view.update("units.filter.wash_ratio", next(ratios))
        view.table_html()
        view.figure()

    def solve() -> None:
        model.solve({"units.filter.wash_ratio": f"{next(ratios)} L/kg"})

    return {"model.solve, one sample [ms]": median_time(solve, repeats) * 1e3,
            "what_if move: solve, table, Sankey [ms]": median_time(move, repeats) * 1e3}  # fmt: skip


def loop_here(samples: int, repeats: int) -> dict:
    import numpy as np
    from precipitation_loop import build

    import flowsheet

    model = flowsheet.compile(build(), vary=["units.split.fractions.recycle", "units.split.fractions.purge"])
    changed = iter(np.linspace(0.25, 0.35, 10_000))

    def one() -> object:
        share = next(changed)
        return model.solve({"units.split.fractions.recycle": [share], "units.split.fractions.purge": [1 - share]})

    once = median_time(one, repeats)
    recycle = np.random.default_rng(0).uniform(0.1, 0.5, samples)
    start = time.perf_counter()
    many = model.solve({"units.split.fractions.recycle": recycle, "units.split.fractions.purge": 1 - recycle})
    batch = time.perf_counter() - start
    return {
        "simulate, changed recycle, mass and energy [ms]": once * 1e3,
        f"{samples} samples, mass and energy [s]": batch,
        "mass closure, worst sample": many.closure.worst,
    }


def interleaved(peer: str, rounds: int, samples: int) -> dict:
    """The loop here and in BioSTEAM, each in a fresh process, taken in turn `rounds` times: every round's figures.

    Taken in turn so that a change in the machine's load falls on both; the load average is noted before and after.
    """
    here, there = [], []
    load = [Path("/proc/loadavg").read_text().split()[0]] if Path("/proc/loadavg").exists() else []
    probe = f"import sys; sys.path.insert(0, {str(HERE)!r}); import json; from run import loop_here; print(json.dumps(loop_here({samples}, 50)))"
    for _ in range(rounds):
        ours = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        here.append(json.loads(ours.stdout.strip().splitlines()[-1]))
        theirs = subprocess.run([peer, str(HERE / "biosteam_peer.py"), "--samples", str(samples)],
                                capture_output=True, text=True, check=True)  # fmt: skip
        there.append(json.loads(theirs.stdout.strip().splitlines()[-1]))
    if load:
        load.append(Path("/proc/loadavg").read_text().split()[0])
    return {"load average before, after": load, "this package, each round": here, "BioSTEAM, each round": there}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, few repeats, no file")
    parser.add_argument("--peer", help="a Python with biosteam installed, for the side-by-side loop")
    arguments = parser.parse_args()
    repeats = 3 if arguments.quick else 50
    report = {
        "warm solve, NMC811 sulfate route": warm_solve(repeats),
        "Monte Carlo, NMC811 sulfate route": monte_carlo(
            [1_000] if arguments.quick else [1_000, 10_000, 100_000, 1_000_000]
        ),
        "flowsheet sweep, NMC811 sulfate route": sweep_command([1_000] if arguments.quick else [100_000, 1_000_000]),
        "scaling, chains with recycles": scaling(
            [10, 100] if arguments.quick else [10, 100, 1_000], 3 if arguments.quick else 10
        ),
        "start-up": start_up(1 if arguments.quick else 5),
        "what-if, NMC811 sulfate route": what_if_move(repeats),
        "precipitation loop, this package": loop_here(100 if arguments.quick else 1_000, repeats),
    }
    if arguments.peer:
        report["precipitation loop, interleaved with BioSTEAM"] = interleaved(
            arguments.peer, rounds=2 if arguments.quick else 4, samples=100 if arguments.quick else 1000
        )
    text = json.dumps(report, indent=2)
    print(text)
    if not arguments.quick:
        (HERE / "results.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
