"""Where the atoms of an element came from: each feed's share of it in every stream, through recycles.

Every unit is taken to pool the atoms of an element from all its inlets and to send
them to its outlets in the same proportions: the share of feed f in what unit u sends
out is the atom-weighted mean of the shares of what comes in,

    (sum_s a_s) x_u = sum_s a_s x_source(s)        over the streams s into u,

with ``a_s`` the atoms of the element in stream s and ``x_f = e_f`` for a feed. That is
one sparse linear system per element, with one right-hand side per feed; each share lies
in [0, 1] and they sum to 1 for every stream that carries the element. Where reactions
move atoms between species (the S of H2SO4 into Na2SO4), pooling is the convention that
keeps these properties; separating species that entered a unit unmixed is the case it
does not resolve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsheet.chemistry import atomic_weights
from flowsheet.graph import Stream
from flowsheet.operations.ports import PRODUCT_KINDS
from flowsheet.results import Results

if TYPE_CHECKING:
    import pandas as pd


def element_shares(streams: tuple[Stream, ...], feeds: list[str], atoms: np.ndarray) -> dict[str, np.ndarray]:
    """Each feed's share of an element in every stream.

    Parameters
    ----------
    streams : tuple of Stream
        The flowsheet's streams, in the order of `atoms`.
    feeds : list of str
        The sources: its feeds, or any units, each taken as the origin of all it sends out (share
        of itself 1, whatever reaches it).
    atoms : numpy.ndarray
        Atoms of the element in each stream, shape ``(streams,)``, [mol/s or mol].

    Returns
    -------
    dict of str to numpy.ndarray
        By feed name, its share of the element in each stream, [-], shape ``(streams,)``;
        zero in streams without the element.
    """
    import scipy.sparse as sp  # here, not at import: the command line starts without it
    import scipy.sparse.linalg as spla

    names = list(dict.fromkeys([*feeds, *(u for s in streams for u in (s.source, s.target))]))
    index = {name: i for i, name in enumerate(names)}
    inflow = np.zeros(len(names))
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    sources = set(feeds)
    for stream, amount in zip(streams, atoms, strict=True):
        if amount > 0 and stream.target not in sources:
            target, source = index[stream.target], index[stream.source]
            inflow[target] += amount
            rows.append(target)
            cols.append(source)
            values.append(-amount)
    pooled = np.where(inflow > 0, inflow, 1.0)  # a unit the element never reaches keeps a share of 0
    diagonal = np.where(np.isin(names, feeds), 1.0, pooled)  # feeds have no inlets: x_f = e_f
    size = len(names)
    matrix = sp.csc_matrix(
        (np.concatenate([diagonal, values]), (np.r_[np.arange(size), rows], np.r_[np.arange(size), cols])),
        shape=(size, size),
    )
    rhs = np.zeros((len(names), len(feeds)))
    for k, feed in enumerate(feeds):
        rhs[index[feed], k] = 1.0
    shares = spla.splu(matrix).solve(rhs)[[index[s.source] for s in streams]] * (np.asarray(atoms) > 0)[:, None]
    return {feed: shares[:, k] for k, feed in enumerate(feeds)}


def _shares(results: Results, element: str, sample: int) -> dict[str, np.ndarray]:
    names = results.components.element_names[:-1]
    if element not in names:
        raise ValueError(f"{element!r} is not in the flowsheet; elements: {', '.join(names)}")
    row = results.components.elements[results.components.element_names.index(element)]
    atoms = np.array([row @ results.flow(s.name, sample) for s in results.edges])
    return element_shares(results.edges, list(results.feeds), atoms)


def provenance(results: Results, element: str, sample: int = 0) -> pd.DataFrame:
    """Fraction of `element` in each product that came from each feed, through recycles; rows sum to 1.

    Each unit pools the element's atoms from all its inlets (see the module's notes): one
    sparse solve per element. Every product kind is shown (waste and emissions too);
    products without the element are left out.
    """
    import pandas as pd

    shares = _shares(results, element, sample)
    row = {s.name: i for i, s in enumerate(results.edges)}
    rows = {
        stream.target: {feed: float(share[row[stream.name]]) for feed, share in shares.items()}
        for stream in results.product_streams(*PRODUCT_KINDS)
    }
    frame = pd.DataFrame(rows).T
    frame = frame.loc[frame.sum(axis=1) > 0]
    return frame.loc[:, (frame > 1e-12).any()]


def destinations(results: Results, element: str, sample: int = 0) -> pd.DataFrame:
    """Where `element` leaves: per product, its kind, the element's mass [kg per basis] and share of all that leaves.

    The shares sum to 1 (the element is conserved), so what is lost to waste, wastewater or
    emissions shows beside what reaches the product.
    """
    import pandas as pd

    components = results.components
    if element not in components.element_names:
        raise ValueError(f"no {element} in route {results.name!r}")
    atoms = components.elements[components.element_names.index(element)]
    weight = atomic_weights()[element] / 1000
    rows = {}
    for stream in results.product_streams(*PRODUCT_KINDS):
        mass = weight * float(atoms @ results.flow(stream.name, sample))
        if mass > 0:
            rows[stream.target] = {"kind": results.products[stream.target], f"{element} [kg]": mass}
    frame = pd.DataFrame(rows).T
    frame[f"{element} [kg]"] = frame[f"{element} [kg]"].astype(float)
    frame["share"] = frame[f"{element} [kg]"] / frame[f"{element} [kg]"].sum()
    return frame


def recycled_content(results: Results, sample: int = 0) -> dict[str, float]:
    """Per product: the share of its mass, counting every element but O and H, from recycled feeds, [-]."""
    recycled = [feed for feed, is_recycled in results.feeds.items() if is_recycled]
    products = results.product_streams(*PRODUCT_KINDS)
    row = {s.name: i for i, s in enumerate(results.edges)}
    found = dict.fromkeys((stream.target for stream in products), 0.0)
    totals = dict.fromkeys(found, 0.0)
    components = results.components
    for k, element in enumerate(components.element_names[:-1]):
        if element in ("O", "H"):
            continue
        shares = _shares(results, element, sample) if recycled else {}
        weight = atomic_weights()[element]
        for stream in products:
            mass = weight * float(components.elements[k] @ results.flow(stream.name, sample))
            totals[stream.target] += mass
            found[stream.target] += mass * sum(float(shares[f][row[stream.name]]) for f in recycled)
    return {product: found[product] / totals[product] if totals[product] else 0.0 for product in found}
