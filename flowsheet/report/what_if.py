"""Live what-if in Jupyter: a slider per uncertain parameter, a region per site, every move re-solved.

:func:`what_if` compiles the route once (:func:`flowsheet.compile`) and solves one sample per move:
the KPI table (value, unit, the baseline's value, the ratio to it) and the Sankey of the chosen kind
are redrawn from it. The baseline is the route as written. Where no kernel runs (a static page, the
docs site) the same object shows as a table: the baseline and, per parameter, the KPIs at the two ends
of its slider.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flowsheet.factors import regions
from flowsheet.kpis import BY_NAME, display_unit
from flowsheet.results import Results
from flowsheet.route_file import Route, load_route
from flowsheet.solve import Model, compile
from flowsheet.units import Quantity

SHOWN = ("water_fresh", "waste_total", "energy_total", "co2e", "cost", "lead_time", "impurity_S_precursor")
"""The KPIs a what-if shows unless told others."""

ENDS = (0.01, 0.99)
"""Quantiles a slider spans for an unbounded distribution (normal, lognormal); a range or triangle spans its ends."""


@dataclass(frozen=True)
class Slider:
    """One uncertain parameter as a slider, in the unit the route file writes it in.

    Attributes
    ----------
    path : str
        Route-file path, e.g. ``units.filter.wash_ratio``.
    unit : str
        The route file's unit (``"L/kg"``; ``""`` for a plain number).
    low, high, nominal : float
        The slider's ends and starting value, in `unit`.
    """

    path: str
    unit: str
    low: float
    high: float
    nominal: float

    def quantity(self, value: float) -> Any:
        """`value` in the slider's unit, as the model takes it: a Quantity, or the plain number."""
        return Quantity(value, self.unit) if self.unit else value


def sliders(route: Route) -> list[Slider]:
    """A slider for each uncertain parameter of `route`, spanning its range."""
    found = []
    for path, distribution in route.uncertain.items():
        if distribution.kind in ("range", "triangular"):
            ends = np.array([distribution.parameters[0], distribution.parameters[-1]])
        else:
            ends = distribution.quantile(np.array(ENDS))
        low, high = (float(v) for v in distribution.shown(ends))
        nominal = float(distribution.shown(distribution.nominal))
        found.append(Slider(path, distribution.unit, low, high, nominal))
    return found


class WhatIf:
    """A route's model, its baseline, and the values the sliders hold; :meth:`update` re-solves.

    Parameters
    ----------
    route : Route or str
        A loaded route or its file.
    kpis : sequence of str
        The KPIs shown (default :data:`SHOWN`).
    kind : str
        The Sankey's kind: ``"mass"``, ``"water"`` or ``"energy"``.
    """

    def __init__(self, route: Route | str, kpis: Sequence[str] = SHOWN, kind: str = "mass") -> None:
        self.route = route if isinstance(route, Route) else load_route(route)
        unknown = [name for name in kpis if name not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown KPI(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        self.kpis, self.kind = tuple(kpis), kind
        self.regions = {name: site.region for name, site in self.route.spec.sites.items()}
        self._compile(self.route)
        self.baseline = self.model.solve()
        self.values = {slider.path: slider.nominal for slider in self.sliders}
        self.results = self.baseline

    def _compile(self, route: Route) -> None:
        self.sliders = sliders(route)
        self.model: Model = compile(route, vary=[slider.path for slider in self.sliders])

    def update(self, path: str | None = None, value: float | None = None) -> Results:
        """Set one slider (in its unit) and solve the model for every slider's value."""
        if path is not None:
            if path not in self.values:
                raise KeyError(f"no slider {path!r}; sliders: {', '.join(self.values)}")
            self.values[path] = float(value) if value is not None else self.values[path]
        by_path = {slider.path: slider for slider in self.sliders}
        self.results = self.model.solve({path: by_path[path].quantity(v) for path, v in self.values.items()})
        return self.results

    def move_site(self, site: str, region: str) -> Results:
        """Move a site to another region (its grid, prices and ports): the route is rebuilt, the sliders kept."""
        if site not in self.regions:
            raise KeyError(f"no site {site!r}; sites: {', '.join(self.regions)}")
        self.regions[site] = region
        overrides = {f"sites.{name}.region": place for name, place in self.regions.items()}
        self.route = load_route(self.route.path, overrides=overrides)
        self._compile(self.route)
        return self.update()

    def table(self, results: Results | None = None) -> list[tuple[str, float, str, float, float | None]]:
        """Per KPI: name, value, unit, the baseline's value and the ratio to it (None where the baseline is 0)."""
        results = results or self.results
        rows = []
        for name in self.kpis:
            unit, factor = display_unit(BY_NAME[name].kind, results.is_rate)
            value, base = float(results.kpis[name][0]) * factor, float(self.baseline.kpis[name][0]) * factor
            rows.append((name, value, unit, base, value / base if base else None))
        return rows

    def table_html(self, results: Results | None = None) -> str:
        """:meth:`table` as an HTML table."""
        head = "<tr><th>KPI</th><th>value</th><th>unit</th><th>route as written</th><th>ratio</th></tr>"
        body = "".join(
            f"<tr><td>{name}</td><td>{value:,.4g}</td><td>{html.escape(unit)}</td><td>{base:,.4g}</td>"
            f"<td>{'' if ratio is None else f'{ratio:.3f}x'}</td></tr>"
            for name, value, unit, base, ratio in self.table(results)
        )
        return f"<table>{head}{body}</table>"

    def figure(self, results: Results | None = None) -> Any:
        """The Sankey of the current (or given) results."""
        from flowsheet.report.figures import sankey

        return sankey(results or self.results, self.kind)

    def ends(self) -> str:
        """A static page's view: the baseline's KPIs and, per slider, the KPIs at its two ends, as HTML."""
        header = "".join(f"<th>{name}</th>" for name in self.kpis)
        rows = [f"<tr><td>route as written</td>{self._cells(self.baseline)}</tr>"]
        for slider in self.sliders:
            for end in (slider.low, slider.high):
                results = self.model.solve({slider.path: slider.quantity(end)})
                rows.append(
                    f"<tr><td>{slider.path} = {end:g} {html.escape(slider.unit)}</td>{self._cells(results)}</tr>"
                )
        units = "".join(f"<th>{html.escape(display_unit(BY_NAME[n].kind, False)[0])}</th>" for n in self.kpis)
        return f"<table><tr><th></th>{header}</tr><tr><th></th>{units}</tr>{''.join(rows)}</table>"

    def _cells(self, results: Results) -> str:
        return "".join(f"<td>{value:,.4g}</td>" for _, value, _, _, _ in self.table(results))

    def widget(self) -> Any:
        """Sliders and site regions above the KPI table and the Sankey, each move re-solved (ipywidgets)."""
        import ipywidgets as widgets
        import plotly.graph_objects as go

        table = widgets.HTML(self.table_html())
        try:
            figure: Any = go.FigureWidget(self.figure())
        except Exception:  # noqa: BLE001 - no widget support for plotly here: the figure is redrawn whole
            figure = widgets.Output()
        self._draw(figure)
        controls = []
        for slider in self.sliders:
            step = (slider.high - slider.low) / 100 or 1.0
            control = widgets.FloatSlider(value=slider.nominal, min=slider.low, max=slider.high, step=step,
                                          description=slider.path.removeprefix("units."), continuous_update=False,
                                          readout_format=".4g", style={"description_width": "initial"})  # fmt: skip
            control.observe(self._after(lambda v, p=slider.path: self.update(p, v), table, figure), names="value")
            controls.append(widgets.HBox([control, widgets.Label(slider.unit)]))
        for site, region in self.regions.items():
            choice = widgets.Dropdown(options=list(regions()), value=region, description=site,
                                      style={"description_width": "initial"})  # fmt: skip
            choice.observe(self._after(lambda r, s=site: self.move_site(s, r), table, figure), names="value")
            controls.append(choice)
        return widgets.VBox([*controls, table, figure])

    def _after(self, action: Any, table: Any, figure: Any) -> Any:
        """An observer that applies a control's new value with `action`, then redraws the table and the figure."""

        def moved(change: dict) -> None:
            action(change["new"])
            table.value = self.table_html()
            self._draw(figure)

        return moved

    def _draw(self, figure: Any) -> None:
        drawn = self.figure()
        if hasattr(figure, "batch_update"):  # a FigureWidget: its data replaced in place
            with figure.batch_update():
                figure.data[0].node, figure.data[0].link = drawn.data[0].node, drawn.data[0].link
                figure.layout.title = drawn.layout.title
            return
        from IPython.display import display

        figure.clear_output(wait=True)
        with figure:
            display(drawn)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The live widget where a kernel and ipywidgets are at hand; the static table of ends beside it."""
        bundle = {"text/html": self.ends(), "text/plain": f"what-if of {self.route.name}: {len(self.sliders)} sliders"}
        try:
            bundle |= self.widget()._repr_mimebundle_(**kwargs)
        except ImportError:  # no ipywidgets: the static table alone
            pass
        return bundle


def what_if(route: Route | str, kpis: Sequence[str] = SHOWN, kind: str = "mass") -> WhatIf:
    """A live what-if of `route` in Jupyter (see :class:`WhatIf`): display it to get its sliders.

    Examples
    --------
    >>> import flowsheet
    >>> view = flowsheet.what_if("routes/nmc811_sulfate.yaml")
    >>> [slider.path for slider in view.sliders][:2]
    ['units.precipitate.residence_time', 'units.precipitate.caustic_excess']
    >>> round(float(view.update("units.filter.wash_ratio", 10).kpis["water_fresh"][0]), 2)  # in L/kg, as the route
    21.48
    """
    return WhatIf(route, kpis, kind)
