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

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from flowsheet.graph import Flowsheet, Stream
from flowsheet.operations import Feed


def element_shares(sheet: Flowsheet, streams: tuple[Stream, ...], atoms: np.ndarray) -> dict[str, np.ndarray]:
    """Each feed's share of an element in every stream.

    Parameters
    ----------
    sheet : Flowsheet
        The solved flowsheet.
    streams : tuple of Stream
        Its streams, in the order of `atoms`.
    atoms : numpy.ndarray
        Atoms of the element in each stream, shape ``(streams,)``, [mol/s or mol].

    Returns
    -------
    dict of str to numpy.ndarray
        By feed name, its share of the element in each stream, [-], shape ``(streams,)``;
        zero in streams without the element.
    """
    names = [operation.name for operation in sheet.operations]
    index = {name: i for i, name in enumerate(names)}
    feeds = [operation.name for operation in sheet.operations if isinstance(operation, Feed)]
    inflow = np.zeros(len(names))
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for stream, amount in zip(streams, atoms, strict=True):
        if amount > 0:
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
