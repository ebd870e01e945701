"""A study of many sampled solves with each scheduler: ``python benchmarks/study.py [--samples N] [--quick]``.

The study is the NMC811 sulfate route in two regions (China, Norway), ``--samples`` in all (default
10,000,000), run by ``flowsheet study`` as a whole command three ways: in-process (``sync``), on a
local pool of processes (``processes``, one worker per core), and on a Dask cluster started here
from Dask's own commands (``dask scheduler`` and ``dask worker --nworkers 2`` on 127.0.0.1), as on
a real cluster. Each table must be byte for byte the same file. Prints samples/s and the ratio to
in-process; ``--quick`` is the smoke run CI does (20,000 samples).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUTE = Path(__file__).resolve().parents[1] / "routes" / "nmc811_sulfate.yaml"
BIN = Path(sys.executable).parent


def study_file(folder: Path, samples: int) -> Path:
    path = folder / "study.yaml"
    path.write_text(
        f"routes: [{ROUTE}]\ngrid:\n  sites.cathode_plant.region: [CN, NO]\nsamples: {samples // 2}\nseed: 1\n",
        encoding="utf-8",
    )
    return path


def start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A Dask scheduler and `workers` single-threaded workers on loopback, by Dask's own commands."""
    from distributed import Client

    address_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("w")
    common = {"stdout": log, "stderr": subprocess.STDOUT}
    scheduler = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
         "--scheduler-file", address_file],
        **common,
    )  # fmt: skip
    while not address_file.exists():
        time.sleep(0.1)
    worker = subprocess.Popen(
        [BIN / "dask", "worker", "--scheduler-file", address_file, "--nworkers", str(workers), "--nthreads", "1",
         "--host", "127.0.0.1", "--no-dashboard"],
        **common,
    )  # fmt: skip
    log.close()  # the processes hold their own copies
    with Client(scheduler_file=str(address_file)) as client:
        client.wait_for_workers(workers, timeout=60)
        address = client.scheduler.address
    return address, [worker, scheduler]


def run(study: Path, output: Path, scheduler: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [BIN / "flowsheet", "study", study, "--output", output, "--scheduler", scheduler],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def digest(path: Path) -> str:
    found = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 24):
            found.update(block)
    return found.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000, help="sampled solves in all (default 1e7)")
    parser.add_argument("--quick", action="store_true", help="the smoke run: 20,000 samples")
    arguments = parser.parse_args()
    samples = 20_000 if arguments.quick else arguments.samples
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        study = study_file(folder, samples)
        address, processes = start_cluster(folder, 2)
        try:
            seconds, digests = {}, {}
            for scheduler in ("sync", "processes", address):
                output = folder / "table.parquet"
                seconds[scheduler] = run(study, output, scheduler)
                digests[scheduler] = digest(output)
                size = output.stat().st_size
                output.unlink()
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    print(f"study: NMC811 sulfate route, 2 regions, {samples:,} sampled solves; table {size / 1e6:,.0f} MB")
    print(f"{'scheduler':<24} {'wall [s]':>9} {'samples/s':>11} {'x sync':>7}")
    for scheduler, wall in seconds.items():
        label = "tcp:// (2 dask workers)" if scheduler.startswith("tcp://") else scheduler
        print(f"{label:<24} {wall:>9.1f} {samples / wall:>11,.0f} {seconds['sync'] / wall:>7.2f}")
    if len(set(digests.values())) != 1:
        sys.exit(f"the tables differ between schedulers: {digests}")
    print("the three tables are the same file (SHA-256 " + digests["sync"][:16] + "...)")


if __name__ == "__main__":
    main()
