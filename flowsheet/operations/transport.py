"""Transport legs: a stream moved between sites, unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import Problem, UnitError
from flowsheet.factors import modes
from flowsheet.geography import speed
from flowsheet.operations.base import ALL_INLETS, SI, Operation, Port, parameter
from flowsheet.units import magnitude


@dataclass(frozen=True, repr=False)
class TransportLeg(Operation):
    """Move a stream between sites, by one mode or a mix of modes; the stream is unchanged.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"ship_sulfate"``.
    mode : str
        A mode of ``data/transport/modes.csv``: ``sea``, ``rail``, ``road`` or ``barge``.
    distance : str or Quantity
        E.g. ``"12237 km"`` (Indonesian nickel by sea, UNCTAD via premise;
        the UNCTAD trade-and-transport dataset 2016-2021 as processed in premise).
    origin : str
        The site the leg starts from, if known. A route file that names it and
        `destination` and no mode or distance takes the way between the sites
        (:func:`flowsheet.geography.passage`): sea between their ports plus the inland
        stages, so moving a site moves its legs.
    destination : str
        The site the leg ends at, if known.
    mix : tuple of (str, float, str or float), optional
        When the mass splits across modes: ``(mode, mass share, distance)`` per mode,
        shares summing to 1, e.g. ``(("sea", 0.74, "20870 km"), ("road", 0.26, "11621 km"))``
        (DR Congo cobalt exports, UNCTAD via premise). Replaces ``mode`` and ``distance``
        in the freight, fuel and CO2e; empty: everything goes by ``mode``.
    inland : tuple of (str, str or float), optional
        Stages travelled besides the main one, each carrying all the goods: ``(mode, distance)``,
        e.g. the road to the port of loading and the rail from the port of discharge.
    dwell : str or Quantity
        Time the goods wait at ports (every call together), e.g. ``"7 day"``; counts towards
        the lead time. Default 0.
    ports : tuple of str
        The ports called at (UN/LOCODE), as the results report them.
    basis : str
        How the leg was found (ports, lane, sources), as the results report it.

    Notes
    -----
    ``n_out = n_in``. The results record the shipped mass [kg/s] and tonne-km
    ``m * distance`` (``sum(share * m * distance)`` over a mix, one record per mode, and
    ``m * distance`` for each inland stage); energy and CO2e follow from each mode's factors.
    Transit time is each stage's distance over its mode's speed (``data/transport/speeds.csv``;
    a mix takes the mass-weighted mean of its modes) plus `dwell`.
    """

    mode: str = "sea"
    distance: float = parameter("m", None, "distance travelled", low=0)
    origin: str = ""
    destination: str = ""
    mix: tuple[tuple[str, float, float], ...] = ()
    inland: tuple[tuple[str, float], ...] = ()
    dwell: float = parameter("s", "0 s", "time at ports", low=0)
    ports: tuple[str, ...] = ()
    basis: str = ""
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream shipped."),
        Port("product", "outlet", "The same stream at its destination."),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        parts = []
        for i, part in enumerate(self.mix):
            if not isinstance(part, tuple | list) or len(part) != 3:
                raise UnitError(f"{self.name}.mix[{i}]", "(mode, share, distance)", repr(part), "needs three items")
            mode, share, distance = part
            if not isinstance(distance, SI):
                distance = SI(magnitude(distance, "m", field=f"{self.name}.mix[{i}]"))
            parts.append((mode, float(share), distance))
        object.__setattr__(self, "mix", tuple(parts))
        stages = []
        for i, stage in enumerate(self.inland):
            if not isinstance(stage, tuple | list) or len(stage) != 2:
                raise UnitError(f"{self.name}.inland[{i}]", "(mode, distance)", repr(stage), "needs two items")
            mode, distance = stage
            if not isinstance(distance, SI):
                distance = SI(magnitude(distance, "m", field=f"{self.name}.inland[{i}]"))
            stages.append((mode, distance))
        object.__setattr__(self, "inland", tuple(stages))
        object.__setattr__(self, "ports", tuple(self.ports))

    def parts(self) -> tuple[tuple[str, float, float], ...]:
        """``(mode, mass share, distance [m])`` per record: the mix or ``mode``, then each inland stage at share 1."""
        main = self.mix or ((self.mode, 1.0, self.distance),)
        return main + tuple((mode, 1.0, distance) for mode, distance in self.inland)

    def transit_time(self) -> float:
        """Time from loading to delivery, [s]: each stage's distance over its mode's speed, plus `dwell`.

        A mix of modes takes the mass-weighted mean of their times. Per sample when the distance
        or dwell is (an array of samples).
        """
        main = self.mix or ((self.mode, 1.0, self.distance),)
        moving = sum(share * distance / speed(mode) for mode, share, distance in main)
        return moving + sum(distance / speed(mode) for mode, distance in self.inland) + self.dwell

    def problems(self) -> list[Problem]:
        found = super().problems()
        for mode, distance in self.inland:
            if mode not in modes():
                found.append(
                    self.problem(f"inland mode must be one of {', '.join(modes())}, got {mode!r}", field="inland")
                )
            elif not distance >= 0:
                found.append(self.problem(f"the {mode} distance must be >= 0, got {distance:g} m", field="inland"))
        for mode, share, distance in self.mix or ((self.mode, 1.0, self.distance),):
            if mode not in modes():
                found.append(
                    self.problem(
                        f"must be one of {', '.join(modes())}, got {mode!r}",
                        field="mode",
                        hint="the modes of data/transport/modes.csv; a leg of several modes is a mix",
                    )
                )
            if distance is None:
                found.append(self.problem("must be given", field="distance", hint="e.g. '13300 km'"))
            elif self.mix and not distance >= 0:  # the leg's own distance is bounded as a parameter
                found.append(self.problem(f"the {mode} distance must be >= 0, got {distance:g} m", field="mix"))
            if not 0 < share <= 1:
                found.append(self.problem(f"the {mode} share must be in (0, 1], got {share}", field="mix"))
        if self.mix and abs(sum(share for _, share, _ in self.mix) - 1) > 1e-9:
            found.append(
                self.problem(
                    f"the mix shares must sum to 1, got {sum(share for _, share, _ in self.mix):.6g}", field="mix"
                )
            )
        return found

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {"product": {ALL_INLETS: np.eye(len(components))}}
