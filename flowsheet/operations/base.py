"""What every unit operation is: a frozen dataclass with ports, parameters in SI, and linear balances.

A unit's mass balance is linear in its port flows. It states it in two parts:

- **outlet maps**: for each outlet ``o``, ``n_o = Σ_p A[o][p] @ n_p`` over its inlet
  ports ``p`` (the key ``"*in"`` stands for the sum of all inlets);
- **dose specifications**: for each *dosed* inlet (a reagent whose amount the unit
  sets, such as NaOH in a precipitator), one linear equation ``Σ_p w[p] · n_p = 0``
  over the unit's ports.

Both are *multilinear* in the unit's parameters, each taken as it enters the balance
(``enters`` of :func:`parameter`: the value itself, its reciprocal ``1/p`` or its odds
``p/(1-p)``). The solver relies on it to evaluate a unit once per study, not once per
sample (:mod:`flowsheet.solve.terms`). A unit whose balance depends on the solution
(``nonlinear = True``) reduces that dependence to a few scalars computed from the flows
into its ``state_ports`` (:meth:`Operation.state_values`, e.g. the fraction of the slurry
liquor a filter cake holds); its balances are multilinear in those too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, Problem, UnitError, message_and_hint
from flowsheet.thermo import SpeciesData, package_data
from flowsheet.units import magnitude

ALL_INLETS = "*in"
"""Key of an outlet map or dose specification that applies to the sum of all inlets."""

T_AMBIENT = 298.15
"""Default temperature of feeds and of units that do not set one, [K] (25 °C)."""

ENTERS = {
    "linear": lambda value: value,
    "reciprocal": lambda value: 1.0 / value,
    "odds": lambda value: value / (1.0 - value),
}
"""How a parameter may enter a unit's balances, which are multilinear in the transformed value."""

WATER_DENSITY = 1000.0
"""Density of wash and process water, [kg/m3]; within 0.3 % for 4-25 °C (IAPWS-95)."""


class SI(float):
    """A float already in its field's storage unit; passed through unconverted (replace, copies)."""

    __slots__ = ()


def parameter(
    unit: str,
    default: Any = dataclasses.MISSING,
    doc: str = "",
    low: float | None = None,
    high: float | None = None,
    above: float | None = None,
    enters: str = "linear",
    kw_only: bool = False,
) -> Any:
    """Declare a dataclass field that is given with a unit and stored as a float in `unit`.

    Parameters
    ----------
    unit : str
        The SI unit the value is stored in, e.g. ``"K"``, ``"m**3/kg"``; ``""`` for
        dimensionless values, which may be given as bare numbers.
    default : optional
        A default *as the user would write it*, e.g. ``"25 degC"``.
    doc : str
        One line shown in error messages.
    low, high : float, optional
        Closed bounds in the storage unit; :meth:`Operation.problems` reports a value outside them.
    above : float, optional
        An open lower bound (``above=0``: positive).
    enters : str
        How the value enters the unit's balances, which are multilinear in it so transformed:
        ``"linear"`` (default), ``"reciprocal"`` (a molality ``b`` as ``1/b``) or ``"odds"``
        (a moisture ``w`` as ``w/(1-w)``); a key of :data:`ENTERS`.
    kw_only : bool
        Keyword-only, for a parameter every unit type shares.
    """
    if enters not in ENTERS:
        raise ValueError(f"enters must be one of {', '.join(ENTERS)}, got {enters!r}")
    metadata = {"unit": unit, "doc": doc, "low": low, "high": high, "above": above, "enters": enters}
    if default is dataclasses.MISSING:
        return field(metadata=metadata, kw_only=kw_only)
    return field(default=default, metadata=metadata, kw_only=kw_only)


PORT_SIDES = ("inlet", "dosed", "outlet")
"""Where a port stands: an inlet fed by a stream, an inlet whose flow the unit sets, an outlet."""


@dataclass(frozen=True)
class StateForm:
    """One state value of a nonlinear unit: ``scale * (numerator · n) / (denominator · n)``, [-].

    ``n`` are the molar flows into `port` (N, species), [mol/s]. Without a numerator the value is
    `scale` alone; a denominator that is not positive gives 0 (nothing to take a share of).

    Attributes
    ----------
    port : str
        The state port read.
    scale : float or numpy.ndarray
        Scalar or one per sample (N,), [-].
    numerator, denominator : numpy.ndarray, optional
        Weights per species of the flowsheet's components, e.g. molar masses [kg/mol] of the solids.
    """

    port: str
    scale: float | np.ndarray
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None

    def value(self, flows: np.ndarray) -> np.ndarray:
        """The value for flows (N, species) into the port, (N,) or the scale's shape."""
        scale = np.asarray(self.scale, dtype=float)
        if self.numerator is None:
            return scale
        top = flows @ self.numerator
        bottom = np.ones_like(top) if self.denominator is None else flows @ self.denominator
        share = np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)
        return scale * share


@dataclass(frozen=True)
class Port:
    """A port a unit type may have, with what passes through it and when the unit has it.

    The reference of unit types and the route files' schema list a type's ports from these
    declarations; :meth:`Operation.inlet_ports` and its kin say which ports one unit has.

    Parameters
    ----------
    name : str
        As a stream names it, e.g. ``"wash_water"``; a parameter's name in braces,
        ``"{inlet_names}"``, stands for the ports that parameter names.
    side : str
        One of :data:`PORT_SIDES`.
    doc : str
        What passes through it, in one sentence.
    when : str
        When the unit has the port, in words, e.g. ``"wash_ratio > 0"``; empty: always.
    """

    name: str
    side: str
    doc: str
    when: str = ""

    @property
    def named_by(self) -> str:
        """The parameter that names these ports (``"inlet_names"`` for ``"{inlet_names}"``); empty if fixed."""
        return self.name[1:-1] if self.name.startswith("{") and self.name.endswith("}") else ""


@dataclass(frozen=True)
class Operation:
    """Base of every unit operation.

    Parameters
    ----------
    name : str
        Unique name in the flowsheet, e.g. ``"precipitate"``.
    site : str
        The plant the unit stands in (for regional factors), keyword only.
    utility : str
        What meets the unit's heat duty, a key of ``data/energy/utilities.csv``
        (e.g. ``"electric_kiln"``); empty: the duty is reported, not purchased.
    residence_time : str or Quantity
        Time the material spends in the unit (a continuous unit's residence time, a batch
        unit's cycle), keyword only; it counts towards the route's ``lead_time``. Default 0.
    """

    name: str
    site: str = field(default="", kw_only=True)
    utility: str = field(default="", kw_only=True)
    residence_time: float = parameter("s", "0 s", "time the material spends in the unit", low=0, kw_only=True)

    inlets: ClassVar[tuple[str, ...]] = ("feed",)
    outlets: ClassVar[tuple[str, ...]] = ("product",)
    dosed_inlets: ClassVar[tuple[str, ...]] = ()
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream to treat."),
        Port("product", "outlet", "The treated stream."),
    )
    """Every port the type may have, as the reference lists it; each unit's own are those of :meth:`inlet_ports`,
    :meth:`outlet_ports` and :meth:`dosed_ports`, a subset of these."""
    nonlinear: ClassVar[bool] = False
    state_ports: ClassVar[tuple[str, ...]] = ()
    sets_temperature: ClassVar[bool] = False
    """True for a unit whose ``temperature`` parameter, when given, is its outlets' temperature."""
    formula_fields: ClassVar[tuple[str, ...]] = ()
    """Text parameters that are formulas (or mappings keyed by formulas): each is read before anything else."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "." in self.name:
            raise UnitError("name", "a non-empty text without '.'", repr(self.name), "is not a valid unit name")
        for item in dataclasses.fields(self):
            unit = item.metadata.get("unit")
            value = getattr(self, item.name)
            if unit is None or value is None or isinstance(value, SI):
                continue
            converted = SI(magnitude(value, unit, field=f"{self.name}.{item.name}"))
            object.__setattr__(self, item.name, converted)

    # --- ports ---------------------------------------------------------------------------
    def inlet_ports(self) -> tuple[str, ...]:
        """Names of the inlet ports, dosed ones included."""
        return self.inlets

    def outlet_ports(self) -> tuple[str, ...]:
        """Names of the outlet ports."""
        return self.outlets

    def dosed_ports(self) -> tuple[str, ...]:
        """Inlet ports whose flow this unit sets through a dose specification."""
        return self.dosed_inlets

    # --- model ---------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """Return every reason these parameters cannot be solved; empty if none.

        Here: every bounded :func:`parameter` outside its bounds, or not a number. A unit
        adds its own checks to these (``found = super().problems()``), each made by
        :meth:`problem`.
        """
        found = self._formula_problems()
        for item in dataclasses.fields(self):
            low, high, above = (item.metadata.get(key) for key in ("low", "high", "above"))
            value = getattr(self, item.name)
            if value is None or (low, high, above) == (None, None, None):
                continue
            values = np.asarray(value, dtype=np.float64)
            ok = ~np.isnan(values)
            ok &= True if low is None else values >= low
            ok &= True if high is None else values <= high
            ok &= True if above is None else values > above
            if not np.all(ok):
                wanted = [f">= {low:g}" if low is not None else "", f"> {above:g}" if above is not None else ""]
                wanted += [f"<= {high:g}" if high is not None else ""]
                shown = f"{float(values.flat[int(np.argmin(ok))]):g}"
                allowed = " and ".join(w for w in wanted if w)
                unit, doc = item.metadata.get("unit") or "", item.metadata.get("doc") or item.name
                hint = f"{doc}; checked in {unit}" if unit else doc
                found.append(self.problem(f"must be {allowed}, got {shown}", field=item.name, hint=hint))
        return found

    def _formula_problems(self) -> list[Problem]:
        """Each formula parameter that cannot be read, at its own field (a mapping: at its key)."""
        found = []
        for name in self.formula_fields:
            value = vars(self)[name]
            if isinstance(value, tuple | list) and all(isinstance(text, str) for text in value):
                texts = [(f"{name}[{i}]", text) for i, text in enumerate(value)]
            elif isinstance(value, str | dict):
                texts = [(name, value)] if isinstance(value, str) else [(f"{name}.{key}", key) for key in value]
            else:
                found.append(
                    self.problem(f"is a {type(value).__name__}, not a formula", field=name, hint="e.g. 'LiOH·H2O'")
                )
                continue
            for field_name, text in texts:
                if not text:
                    continue
                try:
                    Formula(text)
                except FlowsheetError as err:
                    message, hint = message_and_hint(err)
                    found.append(self.problem(message.splitlines()[0], field=field_name, hint=hint))
        return found

    def problem(self, message: str, field: str = "", hint: str = "", port: str = "") -> Problem:
        """A :class:`~flowsheet.errors.Problem` of this unit, at one of its fields or ports."""
        return Problem(self.name, port, field, message, hint)

    def species(self) -> list[str]:
        """Species this unit needs in the flowsheet's component set (reactions, doses)."""
        return []

    def outlet_maps(
        self, components: Components, state: dict[str, np.ndarray] | None
    ) -> dict[str, dict[str, np.ndarray]]:
        """Return ``{outlet: {inlet port or "*in": A}}`` with ``n_outlet = Σ A @ n_port``, [-]."""
        raise NotImplementedError

    def dose_specs(
        self, components: Components, state: dict[str, np.ndarray] | None
    ) -> dict[str, dict[str, np.ndarray]]:
        """Return ``{dosed port: {port: w}}`` with ``Σ w · n_port = 0``, one equation per dosed port."""
        return {}

    def state_forms(self, components: Components) -> dict[str, StateForm]:
        """A nonlinear unit's state values, each a ratio of linear forms of the flows into a state port.

        The balances take the values (:meth:`state_values`) as ``state`` and are multilinear in each;
        ``state=None`` asks for a first guess.
        """
        return {}

    def state_values(self, components: Components, inlets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """A nonlinear unit's state: scalars per sample from the flows into its ``state_ports``, [-].

        `inlets` holds those flows, shape (N, n) each, [mol/s]; each value is its
        :class:`StateForm` evaluated on them, one per sample.
        """
        found = {name: form.value(inlets[form.port]) for name, form in self.state_forms(components).items()}
        shape = np.broadcast_shapes(*(np.shape(value) for value in found.values())) if found else ()
        return {name: np.broadcast_to(value, shape) for name, value in found.items()}

    def fixed_temperature(self) -> float | np.ndarray | None:
        """The temperature the unit gives its outlets, [K]; None: they leave at their inlets' mixing temperature."""
        return vars(self)["temperature"] if self.sets_temperature else None

    def reaction_steps(self) -> tuple:
        """The unit's reactions (:class:`~flowsheet.operations.ReactionStep`), whose limiting species must reach it."""
        return ()

    def derived_species(self, labels: list[str], data: SpeciesData) -> list[str]:
        """Species this unit makes from whatever reaches it (e.g. dried salts), given all others."""
        return []

    def key_species(self, port: str) -> str | None:
        """The species a dosed port must supply (checked against the feed's composition)."""
        return None

    def heat_losses(self, solids: np.ndarray, liquid: np.ndarray) -> np.ndarray | float:
        """Heat the unit needs beyond its enthalpy balance, [J or W], given the solids and the liquid leaving it [kg or kg/s].

        A kiln's walls and saggers, an ammonia stripper's steam: heat bought that leaves no trace in the
        unit's streams.
        """
        return 0.0

    def apply(
        self, components: Components, inlets: dict[str, np.ndarray], state: dict | None = None
    ) -> dict[str, np.ndarray]:
        """Return outlet flows [mol/s] for given inlet flows by port (doses included), [mol/s]."""
        total = sum(inlets.values(), np.zeros(len(components)))
        found = {}
        for outlet, by_port in self.outlet_maps(components, state).items():
            found[outlet] = sum(
                (matrix @ (total if port == ALL_INLETS else inlets[port]) for port, matrix in by_port.items()),
                np.zeros(len(components)),
            )
        return found

    def sampled(self, values: dict[str, np.ndarray]) -> Operation:
        """A copy whose named parameters hold one value per sample, [SI units], shape ``(N,)``.

        Keys are field names (``"wash_ratio"``) or, for mapping fields, ``field.key``
        (``"fractions.bleed"``, ``"products.NiSO4·6H2O"``). The copy's balances then carry a
        leading sample axis. Ports must not depend on the values (a zero dose keeps its port).
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        for name, value in values.items():
            field_name, _, key = name.partition(".")
            if field_name not in self.__dict__:
                raise UnitError(f"{self.name}.{field_name}", "a parameter of the unit", name, "is not one")
            array = np.asarray(value, dtype=float)
            if key:
                mapping = dict(getattr(copy, field_name))
                if key not in mapping:
                    raise UnitError(f"{self.name}.{name}", f"a key of {field_name}", key, "is not one")
                mapping[key] = array
                object.__setattr__(copy, field_name, mapping)
            else:
                object.__setattr__(copy, field_name, array)
        return copy

    # --- display -------------------------------------------------------------------------
    def __repr__(self) -> str:
        shown = []
        for item in dataclasses.fields(self):
            if not item.repr:
                continue
            value = getattr(self, item.name)
            unit = item.metadata.get("unit")
            if unit and isinstance(value, float):
                value = f"{float(value)!r} {unit}"
            elif isinstance(value, float):
                value = float(value)
            shown.append(f"{item.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def total_inlet(maps: np.ndarray) -> dict[str, np.ndarray]:
    """Return an outlet map that applies `maps` to the sum of all inlets."""
    return {ALL_INLETS: maps}


def as_matrix_scalar(value: float | np.ndarray) -> np.ndarray:
    """A parameter ready to scale matrices: shape ``(1, 1)``, or ``(N, 1, 1)`` for N samples."""
    return np.asarray(value, dtype=float)[..., None, None]


def as_vector_scalar(value: float | np.ndarray) -> np.ndarray:
    """A parameter ready to scale vectors: shape ``(1,)``, or ``(N, 1)`` for N samples."""
    return np.asarray(value, dtype=float)[..., None]


def diagonal(vector: np.ndarray) -> np.ndarray:
    """``diag(v)`` for ``v`` of shape ``(n,)`` or ``(N, n)``."""
    return np.eye(vector.shape[-1]) * vector[..., None, :]


def outer(column: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``column row^T`` for vectors of shape ``(n,)`` or ``(N, n)``."""
    return column[..., :, None] * row[..., None, :]


def solids(components: Components) -> np.ndarray:
    """Mask of solid species, [-]."""
    return components.mask("s")


def gases(components: Components) -> np.ndarray:
    """Mask of gas species, [-]."""
    return components.mask("g")


def reaction_operator(
    components: Components, nu: np.ndarray, limiting: int, conversion: float | np.ndarray
) -> np.ndarray:
    """Return ``I + conversion * nu e_lim^T``: react `conversion` of the species at `limiting`.

    `nu` is the stoichiometric vector per mole of the limiting species
    (``nu[limiting] = -1``); since ``E @ nu = 0`` the operator conserves atoms
    for any inlet. An array of conversions gives one operator per sample.
    """
    limit = np.zeros(len(components))
    limit[limiting] = 1.0
    return np.eye(len(components)) + as_matrix_scalar(conversion) * np.outer(nu, limit)


NON_METALS = frozenset({"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl"})
"""Elements that are never a cathode's metal: the anion formers (P of a phosphate, ...) and H, C, N."""


def cathode_metals(product: str) -> dict[str, Fraction]:
    """The metals of a cathode per formula unit: its elements other than the alkali ion it carries and :data:`NON_METALS`.

    ``LiNi0.8Mn0.1Co0.1O2`` has one metal atom per formula unit, ``LiFePO4`` one (Fe; P is not
    a metal), ``LiNi0.5Mn1.5O4`` two, ``NaNi0.5Mn0.5O2`` one (Na is the ion, as Li is).
    """
    return {e: n for e, n in Formula(product).elements.items() if e not in ("Li", "Na", "K") and e not in NON_METALS}


def metal_basis(components: Components, product: str, species: list[str]) -> np.ndarray:
    """Return ``m`` with ``m @ n`` = atoms of the product's metals in `species`, [-].

    The metals are :func:`cathode_metals`; divide ``m @ n`` by their sum per formula unit
    for moles of product.
    """
    rows = [components.element_names.index(e) for e in cathode_metals(product)]
    mask = np.zeros(len(components))
    for label in species:
        mask[components.index(label)] = 1.0
    return components.elements[rows].sum(axis=0) * mask


def dried_form(label: str, temperature: float | None = None, data: SpeciesData | None = None) -> str | None:
    """The form a species takes when its solution is dried or fired at `temperature` [K].

    Dissolved and liquid species take the first of solid, liquid, gas known to the
    species data whose heat capacity covers `temperature` (``Na2SO4(aq)`` gives
    ``Na2SO4(s)``, ``NH3(aq)`` gives ``NH3(g)``); a solid whose data end below
    `temperature` melts or evaporates the same way (``NaOH(s)`` in a kiln at
    800 °C gives ``NaOH(l)``); water gives ``H2O(g)``. None when the species keeps
    its form (gases, solids in range, ions, or no other form known).
    """
    data = data or package_data()
    item = data.species(label)
    if item.phase == "g":
        return None
    if item.formula.key == Formula("H2O").key:
        return "H2O(g)"
    in_range = temperature is None or item.heat_capacity.t_min <= temperature <= item.heat_capacity.t_max
    if item.phase == "s" and in_range:
        return None
    bare = item.label.removesuffix(f"({item.phase})")
    order = ("l", "g") if item.phase == "s" else ("s", "l", "g")
    forms = [form for phase in order if phase != item.phase and (form := data.find(f"{bare}({phase})"))]
    for form in forms:
        if temperature is None or form.heat_capacity.t_min <= temperature <= form.heat_capacity.t_max:
            return form.label
    if item.phase == "s":
        return None
    return forms[0].label if forms else None


def drying_operator(
    components: Components, keep_water: bool, temperature: float | np.ndarray | None = None
) -> np.ndarray:
    """Map every dissolved or liquid species to its dried form (:func:`dried_form`) at `temperature` [K].

    With `keep_water`, liquid water is left as it is (a dryer's residual moisture).
    Species without a dried form (ions) are left unchanged. For one temperature per
    sample, every sample must give the same forms (no melting point inside the range).
    """
    if temperature is not None and np.ndim(temperature) > 0:
        low, high = (
            drying_operator(components, keep_water, float(t)) for t in (np.min(temperature), np.max(temperature))
        )
        if not np.array_equal(low, high):
            raise FlowsheetError(
                f"a temperature range of {np.min(temperature):g}-{np.max(temperature):g} K crosses a melting point "
                "of a species in the unit: sample each side of it separately"
            )
        return low
    operator = np.eye(len(components))
    single = None if temperature is None else float(temperature)
    for j, label in enumerate(components.labels):
        if keep_water and label == "H2O(l)":
            continue
        target = dried_form(label, single, components.data)
        if target is not None and target != label and target in components:
            operator[j, j] = 0.0
            operator[components.index(target), j] = 1.0
    return operator


def dried_labels(labels: list[str], temperature: float | None, data: SpeciesData) -> list[str]:
    """The dried forms at `temperature` [K] of the dissolved and liquid species among `labels`."""
    return [target for label in labels if (target := dried_form(label, temperature, data)) is not None]


def phase_split(components: Components, operator: np.ndarray, gas_port: str, other_port: str) -> dict:
    """Send gases of ``operator @ n_in`` to `gas_port` and everything else to `other_port`."""
    gas = np.diag(gases(components))
    return {gas_port: total_inlet(gas @ operator), other_port: total_inlet((np.eye(len(components)) - gas) @ operator)}


def any_positive(value: float | np.ndarray) -> bool:
    """True if a parameter (one value, or one per sample) is positive anywhere: ports exist for all samples."""
    return bool(np.any(np.asarray(value) > 0))
