"""Small flowsheets for the tests, built in one call: units, then streams."""

from collections.abc import Iterable

from flowsheet import Flowsheet
from flowsheet.operations import Operation


def joined(name: str, units: Iterable[Operation], streams: Iterable[tuple[str, str]], **options) -> Flowsheet:
    """A flowsheet holding `units`, joined by `streams` (``("source.port", "target.port")`` pairs), in order."""
    sheet = Flowsheet(name, **options)
    sheet.add(*units)
    for source, target in streams:
        sheet.connect(source, target)
    return sheet
