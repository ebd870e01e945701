"""Heat lost through a kiln's walls: conduction through the lining, then radiation and convection from the shell.

The steady flux ``q`` through a lining of thermal resistance ``R = L / k`` [m2 K/W] from its hot face at
the firing temperature ``T`` to its shell at ``Ts`` equals what the shell gives the room at ``Ta``:

    q = (T - Ts) / R = eps sigma (Ts^4 - Ta^4) + h (Ts - Ta),   h = 1.31 (Ts - Ta)^(1/3) W/(m2 K)

(free convection from a large vertical surface in air, turbulent range: the simplified correlation
for air of J. P. Holman, Heat Transfer, Table 7-2, after McAdams). Solved for ``Ts`` by Newton's method,
every sample at once. A kiln sized for ``m`` kg/s has shell area ``A = A_ref (m / m_ref)^n``, ``n`` its
capacity exponent (1 for a line lengthened or repeated, 2/3 for a geometrically similar one), so its
wall loss per kg, ``q A / m``, falls as it grows when ``n < 1``.
"""

from __future__ import annotations

import functools

import numpy as np

STEFAN_BOLTZMANN = 5.670374419e-8
"""[W/(m2 K4)], exact in the SI since 2019 (CODATA 2018)."""
CONVECTION = 1.31
"""Free-convection coefficient of air on a vertical surface, turbulent, [W/(m2 K^(4/3))] (Holman, Table 7-2)."""
AMBIENT = 298.15
"""The room the shell loses heat to, [K]."""
NEWTON_STEPS = 12
"""Newton steps from the room's temperature. The balance falls and is concave in the shell temperature,
so the first step lands above the root and the rest close on it from above, quadratically: 12 steps
leave it at the last bits of a float for any lining and hot face (``tests/operations/test_kiln_walls.py``)."""


def shell_loss(shell: np.ndarray, emissivity: np.ndarray | float, ambient: float = AMBIENT) -> np.ndarray:
    """Heat a shell at `shell` [K] gives the room by radiation and free convection, [W/m2]."""
    rise = np.maximum(shell - ambient, 0.0)
    return emissivity * STEFAN_BOLTZMANN * (shell**4 - ambient**4) + CONVECTION * rise ** (4.0 / 3.0)


@functools.lru_cache(maxsize=256)
def _one_wall(hot_face: float, resistance: float, emissivity: float, ambient: float) -> tuple[float, float]:
    """:func:`wall_flux` of one kiln, kept: the same walls are asked for at every solve."""
    flux, shell = wall_flux(np.array([hot_face]), resistance, emissivity, ambient)
    return float(flux[0]), float(shell[0])


def wall_flux(
    hot_face: np.ndarray | float,
    resistance: np.ndarray | float,
    emissivity: np.ndarray | float,
    ambient: float = AMBIENT,
) -> tuple[np.ndarray, np.ndarray]:
    """Steady heat flux through a lining [W/m2] and its shell temperature [K], per sample.

    Parameters
    ----------
    hot_face : float or numpy.ndarray
        The lining's inner face, the firing temperature, [K].
    resistance : float or numpy.ndarray
        Lining thickness over its conductivity, [m2 K/W].
    emissivity : float or numpy.ndarray
        Of the outer shell, [-].
    ambient : float
        The room, [K].
    """
    if all(np.ndim(value) == 0 for value in (hot_face, resistance, emissivity)):  # one kiln, as most solves have
        one = _one_wall(float(hot_face), float(resistance), float(emissivity), ambient)
        return np.asarray(one[0]), np.asarray(one[1])
    hot = np.asarray(hot_face, dtype=np.float64)
    r = np.asarray(resistance, dtype=np.float64)
    eps = np.asarray(emissivity, dtype=np.float64)
    shell = np.full(np.broadcast(hot, r, eps).shape, ambient)
    for _ in range(NEWTON_STEPS):
        rise = np.maximum(shell - ambient, 0.0)
        surplus = (hot - shell) / r - shell_loss(shell, eps, ambient)  # falls as the shell warms, concave
        slope = -1.0 / r - 4.0 * eps * STEFAN_BOLTZMANN * shell**3 - (4.0 / 3.0) * CONVECTION * rise ** (1.0 / 3.0)
        shell = shell - surplus / slope
    return (hot - shell) / r, shell
