"""Whether the compiled kernel can be loaded from disk, told without importing numba; and compiling it.

numba keeps a compiled function beside its source (``__pycache__``), in ``NUMBA_CACHE_DIR``, or in
the user's cache folder when the package folder is read-only. :func:`ready` looks for the kernel's
index there; :func:`prepare` compiles it once per machine,
and :func:`prepare_in_background` does so in a separate process, so the command that found it
missing goes on with numpy and never waits for the compiler.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

KERNEL = Path(__file__).with_name("kernel.py")

_started = False
_ready = False


def ready() -> bool:
    """True if numba is installed and the kernel's compiled code is on disk (once found, not looked for again)."""
    global _ready
    if not _ready and importlib.util.find_spec("numba") is not None:
        pattern = f"kernel.evaluate-*.py{sys.version_info.major}{sys.version_info.minor}.nbi"
        _ready = any(folder.is_dir() and any(folder.glob(pattern)) for folder in _folders())
    return _ready


def _folders() -> Iterator[Path]:
    """Where numba may keep the kernel (numba.core.caching's locators, in their order)."""
    source = KERNEL.parent
    subpath = f"{source.name}_{hashlib.sha1(str(source).encode()).hexdigest()}"  # noqa: S324 - numba's own naming
    if os.environ.get("NUMBA_CACHE_DIR"):
        yield Path(os.environ["NUMBA_CACHE_DIR"]) / subpath
    yield source / "__pycache__"
    yield Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numba" / subpath


def prepare() -> None:
    """Compile the kernel for the argument types every tape has, and keep it on disk."""
    import numpy as np

    from flowsheet.solve import kernel
    from flowsheet.solve.engine import INITIAL_STATE, MAX_ITERATIONS, ROUND_OFF, TOLERANCE
    from flowsheet.solve.tape import Tape

    empty, none = np.zeros(0), np.zeros(0, dtype=np.int64)
    tape = Tape(
        start=np.zeros(1),
        coefficients=np.zeros((0, 1)),
        term_start=np.zeros(1, dtype=np.int64),
        term_columns=none,
        groups=np.zeros((0, 10), dtype=np.int64),
        constant=empty,
        group_terms=none,
        m_row=none,
        m_col=none,
        m_term=none,
        m_value=empty,
        b_row=none,
        b_source=none,
        b_term=none,
        b_value=empty,
        state_scale=np.zeros((0, 1)),
        state_rows=np.zeros((0, 5), dtype=np.int64),
        form_index=none,
        form_weight=empty,
        pre=np.zeros(1, dtype=np.int64),
        pre_states=none,
        own=np.zeros(1, dtype=np.int64),
        own_states=none,
        flow_index=np.zeros(1, dtype=np.int64),
        dose_index=none,
    )
    kernel.evaluate(*tape.arguments(), (MAX_ITERATIONS, TOLERANCE, INITIAL_STATE, ROUND_OFF))


def prepare_in_background() -> None:
    """Start compiling the kernel in a separate process, once per process, unless it is ready or numba absent."""
    global _started
    if _started or ready() or importlib.util.find_spec("numba") is None:
        return
    _started = True
    subprocess.Popen(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-c", "from flowsheet.solve.kernel_cache import prepare; prepare()"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
