"""Study chunks on Dask: a local cluster of processes, or a running scheduler at ``tcp://host:port``."""

from __future__ import annotations

import logging
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from flowsheet.errors import FlowsheetError
from flowsheet.study import Chunk, solve_part

MMAP_THRESHOLD = 32 * 2**20
"""Allocations below this come from the heap, [bytes]: glibc's largest (``M_MMAP_THRESHOLD_MAX``, 64-bit)."""

TRIM_THRESHOLD = 128 * 2**20
"""Free memory kept at the top of the heap before it goes back to the system, [bytes]."""


class WorkerSetup(WorkerPlugin):
    """Ready every worker, those that join or restart later included, before any task reaches it.

    - Import the package. A worker unpickles tasks on one thread while it runs another on a second;
      were both first to import the package, each could see the other's half-made modules.
    - Keep freed memory for the next chunk. Dask's nanny starts workers with
      ``MALLOC_TRIM_THRESHOLD_=65536``, which on glibc sends every array above 128 kB back to the
      system when freed, so each chunk faults its working arrays in again: measured, a 10,000-sample
      chunk of the NMC811 route took 146 ms so, against 57 ms, and 38 ms with the thresholds here.
    """

    def setup(self, worker: Any) -> None:
        """Import the package and set glibc's malloc thresholds (where the C library is glibc)."""
        import ctypes
        import ctypes.util

        import flowsheet.study  # noqa: F401 - the whole package, before any task is unpickled

        name = ctypes.util.find_library("c")
        mallopt = getattr(ctypes.CDLL(name), "mallopt", None) if name and sys.platform == "linux" else None
        if mallopt is not None:
            mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD, malloc.h
            mallopt(-1, TRIM_THRESHOLD)  # M_TRIM_THRESHOLD


def execute(chunks: list[Chunk], seed: int, scheduler: str, token: str) -> Iterator[tuple[Chunk, Any]]:
    """Each chunk with what :func:`~flowsheet.study.solve_part` returned, or the exception it raised, as they finish.

    Parameters
    ----------
    scheduler : str
        ``"processes"`` (a local cluster on 127.0.0.1, one single-threaded worker per core) or a
        running scheduler's address, ``"tcp://host:port"``.
    """
    cluster = None
    if scheduler == "processes":
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # its HTTP server on a free port of loopback
            silence_logs=logging.ERROR,
        )
    try:
        with _connect(cluster or scheduler) as client:
            client.register_plugin(WorkerSetup(), name="flowsheet-worker-setup")
            # a route's compiled model goes to the cluster as a task of its own, so that a worker dying with
            # it leaves the bytes to make it again (a scattered object would die with its worker); a worker
            # keeps it, and the equations its first chunk builds serve the next
            models = {}
            for chunk in chunks:
                job = chunk.job
                if job.digest not in models:
                    models[job.digest] = client.submit(pickle.loads, pickle.dumps(job.model), key=f"model-{job.digest}")
            futures = {
                client.submit(
                    solve_part,
                    models[chunk.job.digest],
                    chunk.job.scenario,
                    chunk.start,
                    chunk.count,
                    seed,
                    chunk.part,
                    token,
                    key=f"chunk-{Path(chunk.part).stem}",
                ): chunk
                for chunk in chunks
            }
            for future in as_completed(futures):
                chunk = futures.pop(future)  # dropped once read: the worker frees it
                try:
                    yield chunk, future.result()
                except Exception as err:  # noqa: BLE001 - reported with its chunk; the others go on
                    yield chunk, err
    finally:
        if cluster is not None:
            cluster.close()


def _connect(scheduler: LocalCluster | str) -> Client:
    """A client of the cluster; a scheduler that cannot be reached is a :class:`FlowsheetError` saying so."""
    try:
        return Client(scheduler)
    except (OSError, ValueError) as err:  # ValueError: an address Dask cannot parse
        raise FlowsheetError(
            f"no Dask scheduler answers at {scheduler}: {err}; start one with `dask scheduler`, and workers "
            f"with `dask worker {scheduler}`, or run with --scheduler processes on this machine"
        ) from None
