"""Transport legs: a stream moved between sites, unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowsheet.components import Components
from flowsheet.operations.base import ALL_INLETS, Operation, parameter

MODES = ("sea", "rail", "road", "barge", "air")
"""Transport modes with factors in data/transport/modes.csv."""


@dataclass(frozen=True, repr=False)
class TransportLeg(Operation):
    """Move a stream between sites by one mode over a distance; the stream is unchanged.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"ship_sulfate"``.
    mode : str
        One of ``sea``, ``rail``, ``road``, ``barge``, ``air``.
    distance : str or Quantity
        E.g. ``"12237 km"`` (Indonesian nickel by sea, UNCTAD via premise;
        shared/reference-data.md D).
    origin, destination : str
        The sites the leg joins, if known. A route file that names them and no
        mode or distance takes both from the lane between the sites' regions
        (``data/transport/lanes.csv``), so moving a site moves the lane.

    Notes
    -----
    ``n_out = n_in``. The results record the shipped mass [kg/s] and tonne-km
    ``m * distance``; energy and CO2e follow from the mode's factors.
    """

    mode: str = "sea"
    distance: float = parameter("m", None, "distance travelled")
    origin: str = ""
    destination: str = ""

    def problems(self) -> list[str]:
        found = []
        if self.mode not in MODES:
            found.append(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.distance is None or self.distance < 0:
            found.append("distance must be given and >= 0, e.g. '13300 km'")
        return found

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {"product": {ALL_INLETS: np.eye(len(components))}}
