"""Reactors whose extents are fixed by the conversion of a limiting species."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    Port,
    dried_labels,
    drying_operator,
    parameter,
    phase_split,
    reaction_operator,
)
from flowsheet.operations.firing import NO_KILN, FiredUnit
from flowsheet.thermo import SpeciesData


@dataclass(frozen=True)
class ReactionStep:
    """One reaction with the conversion of its limiting reactant.

    Parameters
    ----------
    reaction : Reaction or str
        Exactly balanced, e.g. ``"Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"``.
    limiting : str, optional
        The reactant whose conversion is fixed; default the first reactant.
    conversion : float
        Fraction of `limiting` converted, [-], default 1.
    """

    reaction: Reaction
    limiting: str = ""
    conversion: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.reaction, str):
            object.__setattr__(self, "reaction", Reaction(self.reaction))
        if not self.limiting:
            object.__setattr__(self, "limiting", str(self.reaction.reactants[0][1]))

    def problems(self) -> list[str]:
        found = []
        if not 0.0 <= self.conversion <= 1.0:
            found.append(f"conversion of {self.limiting} must be in [0, 1], got {self.conversion}")
        if not any(Formula(self.limiting).key == f.key for _, f in self.reaction.reactants):
            found.append(f"{self.limiting!r} is not a reactant of {self.reaction}")
        return found

    def species(self) -> list[str]:
        return [str(f) for _, f in self.reaction.reactants + self.reaction.products]

    def operator(self, components: Components) -> np.ndarray:
        """Return the linear map of this step, ``I + conversion nu e_lim^T``."""
        nu = components.reaction_vector(self.reaction, per=self.limiting)
        return reaction_operator(components, nu, components.index(self.limiting), self.conversion)


def as_steps(reactions: list) -> tuple[ReactionStep, ...]:
    """Accept reactions as text, Reaction, ReactionStep or ``(reaction, limiting, conversion)``."""
    steps = []
    for item in reactions:
        if isinstance(item, ReactionStep):
            steps.append(item)
        elif isinstance(item, tuple | list):
            steps.append(ReactionStep(*item))
        else:
            steps.append(ReactionStep(item))
    return tuple(steps)


def chain(steps: tuple[ReactionStep, ...], components: Components) -> np.ndarray:
    """Return the product of the steps' operators, applied in order."""
    operator: np.ndarray = np.eye(len(components))
    for step in steps:
        operator = step.operator(components) @ operator
    return operator


def consumption(operator: np.ndarray, components: Components, label: str) -> np.ndarray:
    """Row ``r`` with ``r @ n_in`` = the net moles of `label` a reaction operator consumes, [-].

    Read off the operator itself, so reactions applied in turn to what the earlier ones
    left are counted once each, e.g. a metal partly leached by one reaction and the rest
    by another.
    """
    return -(components.unit_vector(label) @ (operator - np.eye(len(components))))


@dataclass(frozen=True, repr=False)
class StoichiometricReactor(FiredUnit):
    """React the feed by one or more reactions, each at a fixed conversion of its limiting species.

    Parameters
    ----------
    name : str
        Unique name.
    reactions : list
        Reactions as text, :class:`ReactionStep` or ``(reaction, limiting, conversion)``;
        applied in order, each to the result of the previous ones.
    temperature : str or Quantity, optional
        Outlet temperature; default that of the inlet.
    fired : bool
        A kiln, default False: what arrives dissolved or liquid takes its form at
        `temperature` after the reactions (moisture leaves as steam, salts dry), as in
        a :class:`~flowsheet.operations.Calciner`, and the kiln named by `kiln` is heated.
    kiln : str
        For a fired reactor, the kiln it fires in, whose walls and saggers it bears as a
        calciner does (the kiln's parameters are those of
        :class:`~flowsheet.operations.firing.FiredUnit`): ``rotary``, ``roller_hearth``,
        ``pusher``, ``box``, or ``none`` for a bare heat balance. A fired reactor must name one.

    Notes
    -----
    With ``nu_k`` per mole of limiting species ``l_k`` and conversion ``c_k``,
    ``n_out = Π_k (I + c_k nu_k e_lk^T) n_in``; every factor conserves atoms because
    ``E nu_k = 0``. Gases leave by ``"gas"``, the rest by ``"product"``.
    """

    reactions: tuple = field(default=())
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    fired: bool = False
    kiln: str = ""
    sets_temperature: ClassVar[bool] = True

    outlets = ("product", "gas")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream to react."),
        Port("product", "outlet", "Everything but gases, after the reactions."),
        Port("gas", "outlet", "The gases, after the reactions."),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "reactions", as_steps(list(self.reactions)))

    def problems(self) -> list[Problem]:
        found = super().problems() + [
            self.problem(problem, field="reactions") for step in self.reactions for problem in step.problems()
        ]
        found += [] if self.reactions else [self.problem("no reactions given", field="reactions")]
        if self.fired and self.temperature is None:
            found.append(self.problem("must be given for a fired reactor", field="temperature", hint="e.g. '600 degC'"))
        if self.fired and not self.kiln:
            hint = f"kiln: rotary (or roller_hearth, pusher, box), or kiln: {NO_KILN} for a bare heat balance"
            found.append(
                self.problem("must be named for a fired reactor: its walls and saggers", field="kiln", hint=hint)
            )
        elif self.kiln and not self.fired:
            found.append(self.problem("is heated only by a fired reactor", field="kiln", hint="fired: true"))
        return found + (self.kiln_problems() if self.fired else [])

    def fires(self) -> bool:
        return self.fired and super().fires()

    def reaction_steps(self) -> tuple[ReactionStep, ...]:
        return self.reactions

    def species(self) -> list[str]:
        return [label for step in self.reactions for label in step.species()]

    def derived_species(self, labels: list[str], data: SpeciesData) -> list[str]:
        return dried_labels(labels, self.temperature, data) if self.fired else []

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        operator = chain(self.reactions, components)
        if self.fired:
            operator = drying_operator(components, False, self.temperature) @ operator
        return phase_split(components, operator, "gas", "product")
