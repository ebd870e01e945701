"""A flowsheet compiled for solving: its parameters by one dotted path, their units checked at the door.

:func:`compile` takes a loaded route (or a bare :class:`~flowsheet.graph.Flowsheet`) and the parameters
that will vary; :meth:`Model.solve` takes their values as a route file writes them (``"5 L/kg"``),
as pint Quantities in any unit of the right dimension, or, for a dimensionless parameter, as plain
numbers, and converts them once to the SI unit each is held in. A plain number for a dimensioned
parameter is refused with the unit it expects: the solver never guesses a unit.

Paths are those of route files: ``units.<unit>.<parameter>`` (a mapping entry as
``units.liquor_split.fractions.bleed``), ``prices.<key>`` (``prices.Ni``, ``prices.electricity``) and
``upstream.<key>`` (``upstream.Ni``, kg CO2e per kg).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pint

from flowsheet.errors import UnitError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed
from flowsheet.prices import storage_unit
from flowsheet.results import Results
from flowsheet.solve.engine import Plans
from flowsheet.units import check_dimensionality, example_unit, magnitude, split_co2e, ureg

UNITS, PRICES, UPSTREAM = "units.", "prices.", "upstream."


@dataclass(frozen=True)
class Model:
    """A flowsheet with the parameters that vary, each with the SI unit it is held in.

    Attributes
    ----------
    sheet : Flowsheet
        Checked when compiled.
    vary : tuple of str
        The parameters :meth:`solve` may be given, by route-file path.
    units : mapping of str to str
        The SI unit each is held in (``"m**3/kg"``; ``""`` for a dimensionless one; ``"USD/kg"`` ...).
    basis : str
        Default amount to scale to, e.g. ``"1 kg"``.
    product : str, optional
        Default species the basis counts.
    plans : Plans
        The equations built so far, per set of varied parameters (shared by the models of one flowsheet).
    route : Route, optional
        The loaded route it was compiled from (its distributions and name go with it to a worker).
    """

    sheet: Flowsheet
    vary: tuple[str, ...]
    units: Mapping[str, str]
    basis: str = "1 kg"
    product: str | None = None
    plans: Plans = field(default_factory=Plans, repr=False, compare=False)
    route: Any = field(default=None, repr=False, compare=False)  # a Route: route_file sits above this layer

    def solve(
        self,
        values: Mapping[str, Any] | None = None,
        basis: str | pint.Quantity | None = None,
        product: str | None = None,
    ) -> Results:
        """Solve for one set of values, or many (one per sample), converted at the door.

        Parameters
        ----------
        values : mapping, optional
            By path, each a text with its unit (``"5 L/kg"``), a list of them, a pint Quantity
            (scalar or array) in any unit of the right dimension, or, for a dimensionless
            parameter, numbers. Parameters not given keep their value; none: the flowsheet as built.
        basis, product : optional
            Default the model's.

        Raises
        ------
        UnitError
            Naming the path: not one the model varies, a wrong dimension, or a bare number where a
            unit is needed (with the unit expected), or values of different lengths.
        """
        return self.solve_si(self.si(values or {}), basis, product)

    def si(self, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The values in the SI unit each parameter is held in, one array per path, [storage unit]."""
        self.check_varied(values)
        found = {path: _to_si(path, value, self.units[path]) for path, value in values.items()}
        lengths = {len(array) for array in found.values()} - {1}
        if len(lengths) > 1:
            raise UnitError(
                "values", "one value per sample for every parameter", str(sorted(lengths)), "lengths differ"
            )
        return found

    def check_varied(self, paths: Iterable[str]) -> None:
        """Raise UnitError naming the first path the model does not vary, with how to vary it."""
        for path in paths:
            if path not in self.units:
                hint = f"compile the model with vary=[{path!r}]" if _is_path(path) else "e.g. units.filter.wash_ratio"
                raise UnitError(path, f"one of {', '.join(self.vary) or 'no parameter'}", path, "is not varied", hint)

    def check_si(self, values: Mapping[str, np.ndarray]) -> None:
        """Refuse values, in SI by path, whose least or greatest make a unit it does not accept (naming them)."""
        from flowsheet.solve.pipeline import check_samples

        check_samples(self.sheet, {_solver_path(path): np.asarray(v, dtype=float) for path, v in values.items()})

    def solve_si(
        self,
        values: Mapping[str, np.ndarray],
        basis: str | pint.Quantity | None = None,
        product: str | None = None,
        ranges: Mapping[str, tuple[float, float]] | None = None,
    ) -> Results:
        """Solve for values already in their SI storage units (samples drawn by the package), [storage unit].

        A failing sample is named by these values and their paths. `ranges`, by the same paths, are the
        ranges the values are drawn from: the chunks of one study then share their units' terms. With
        them, the values are taken as checked against the units (:meth:`check_si` of the whole study).
        """
        from flowsheet.solve.pipeline import run

        count = max((len(np.atleast_1d(v)) for v in values.values()), default=1)
        arrays = {path: np.broadcast_to(np.asarray(v, dtype=float), (count,)) for path, v in values.items()}
        samples = {_solver_path(path): array for path, array in arrays.items()}
        shared = {_solver_path(path): ends for path, ends in (ranges or {}).items()}
        return run(self.sheet, self.plans, basis or self.basis, product or self.product, samples, arrays, shared)


def compile(target: Any, vary: Sequence[str] | None = None) -> Model:  # noqa: A001 - flowsheet.compile, by design
    """Compile a loaded route (or a Flowsheet) for solving; `vary` names the parameters that will change.

    Parameters
    ----------
    target : Route or Flowsheet
        A route from :func:`~flowsheet.route_file.load_route` (its basis and product become the model's
        defaults, its uncertain parameters the default `vary`), or a flowsheet.
    vary : sequence of str, optional
        Route-file paths, e.g. ``["units.filter.wash_ratio", "prices.Ni"]``.

    Examples
    --------
    >>> import flowsheet
    >>> route = flowsheet.load_route("routes/nmc811_sulfate.yaml")
    >>> model = flowsheet.compile(route, vary=["units.filter.wash_ratio"])
    >>> results = model.solve({"units.filter.wash_ratio": ["3 L/kg", "10 L/kg"]})
    >>> results.kpis["water_fresh"].round(2).tolist()
    [14.83, 21.48]
    """
    sheet = getattr(target, "flowsheet", target)
    if not isinstance(sheet, Flowsheet):
        raise UnitError("target", "a loaded route or a Flowsheet", type(target).__name__, "is neither")
    sheet.check()
    spec = getattr(target, "spec", None)
    chosen = tuple(vary if vary is not None else getattr(target, "uncertain", {}))
    units = {path: parameter_unit(sheet, path) for path in chosen}
    basis = spec.basis if spec is not None else "1 kg"
    plans: Plans = sheet.derived("plans", Plans)  # the models of one flowsheet share what its solves build
    route = target if spec is not None else None
    return Model(sheet, chosen, units, basis, spec.product if spec is not None else None, plans, route)


def _is_path(path: str) -> bool:
    return path.startswith((UNITS, PRICES, UPSTREAM))


def _solver_path(path: str) -> str:
    """``units.filter.wash_ratio`` -> ``filter.wash_ratio``; ``prices.Ni`` and ``upstream.Ni`` stay."""
    return path.removeprefix(UNITS) if path.startswith(UNITS) else path


def parameter_unit(sheet: Flowsheet, path: str) -> str:
    """The SI unit the parameter at route-file `path` is held in (``""`` dimensionless); an error if it names none."""
    if path.startswith(UPSTREAM) and path != UPSTREAM:
        return ""  # kg CO2e per kg of the material
    if path.startswith(PRICES) and path != PRICES:
        key = path.removeprefix(PRICES)
        feeds = {op.name for op in sheet.operations if isinstance(op, Feed)}
        return "USD/kg" if key in feeds else storage_unit(key)
    unit, _, key = path.removeprefix(UNITS).partition(".")
    if not path.startswith(UNITS) or unit not in sheet.graph or not key:
        unit = path.partition(".")[0]
        hint = f"write units.{path}" if unit in sheet.graph and not path.startswith(UNITS) else ""
        expected = "units.<unit>.<parameter>, prices.<key> or upstream.<key>"
        raise UnitError(path, expected, path, "names no parameter of the flowsheet", hint)
    field, _, entry = key.partition(".")
    fields = {item.name: item for item in dataclasses.fields(sheet.operation(unit))}
    if field not in fields or field == "name":
        known = ", ".join(name for name, item in fields.items() if "unit" in item.metadata)
        raise UnitError(path, f"a parameter of {unit}: {known}", field, "is not one")
    return "" if entry else fields[field].metadata.get("unit") or ""


def _to_si(path: str, value: Any, unit: str) -> np.ndarray:
    """One parameter's values in its SI unit, (N,); a bare number for a dimensioned one is refused."""
    expected = unit or "dimensionless"
    if isinstance(value, pint.Quantity):
        check_dimensionality(value, unit, field=path)
        quantity = value if value._REGISTRY is ureg else ureg.Quantity(value.magnitude, str(value.units))
        array = np.atleast_1d(np.asarray(quantity.to(unit).magnitude if unit else quantity.m_as(""), dtype=float))
    elif isinstance(value, str):
        text = split_co2e(value)[0] if path.startswith(UPSTREAM) else value  # '8 kg CO2e/kg' is 8 kg/kg
        array = np.array([magnitude(text, unit, field=path)])
    elif (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and any(isinstance(v, str | pint.Quantity) for v in value)
    ):
        array = np.concatenate([_to_si(path, item, unit) for item in value])
    else:
        try:
            array = np.atleast_1d(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            raise UnitError(path, expected, repr(value), "is not a number or a quantity") from None
        if unit:
            hint = f"give it with its unit, e.g. '{_example(array)} {example_unit(unit)}' or a pint Quantity"
            raise UnitError(path, expected, repr(value), "a bare number has no unit", hint)
    if array.ndim != 1 or not len(array) or not np.isfinite(array).all():
        raise UnitError(path, "one finite value per sample", repr(value), "is not")
    return array


def _example(array: np.ndarray) -> str:
    return f"{float(array.reshape(-1)[0]):g}"
