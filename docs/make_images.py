"""Regenerate the images in docs/img from the shipped routes: ``python docs/make_images.py``."""

from pathlib import Path

import flowsheet
from flowsheet.diagrams import save_figure
from flowsheet.route_file import load_route

HERE = Path(__file__).parent
ROUTES = HERE.parent / "routes"


def main() -> None:
    """Write the Sankey and the drawing of the sulfate NMC811 route."""
    route = load_route(ROUTES / "nmc811_sulfate.yaml")
    results = flowsheet.solve(route.flowsheet, "1 kg", route.spec.product)
    save_figure(flowsheet.sankey(results, "mass"), HERE / "img" / "sankey_nmc811_sulfate.svg")
    flowsheet.draw(route.flowsheet, HERE / "img" / "flowsheet_nmc811_sulfate.svg")


if __name__ == "__main__":
    main()
