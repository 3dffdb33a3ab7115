"""The work-up at a first relapse in the formulas (docs/model.md, "Staging at diagnosis").

When the first distant metastasis is found (routinely, in organ k at time f after diagnosis), the
other organs are imaged and organ j's colonies of the work-up size are found then. A colony reaches
the work-up size Delta_j = lead earlier than the detection size, so the number found by the work-up
at f is N_j(f + Delta_j), N_j the routine count (colonies detected by u among M0 patients). Given
the patient, the organs' colonies are independent Poisson processes, so with a landmark L
(counts N^L = N - N(L); L = 0: none) and no death::

    P(j undetected by u) = e^{-mu [N^L_j(u) + G^L_{-j}(u)]}
                           + e^{-mu N^L_j(u)} (1 - e^{-mu G^L_{-j}(x_j)}) + C_j(u) - C_j(x_j),
    C_j(x) = int_L^x mu h_{-j}(f) e^{-mu G^L_{-j}(f)} e^{-mu N^L_j(f + Delta_j)} df,  x_j = max(u - Delta_j, L)

(j's routine detection after u, and either no other organ relapsing by u, or the first relapse
elsewhere at f finding no colony of the work-up size in j: after u - Delta_j the union of the two
regions is j's colonies detected by f + Delta_j), and organ j is among the first sites by u with::

    first_j(u) = routine first_j(u) + int_L^u mu h_{-j}(f) e^{-mu G^L(f)} (1 - e^{-mu [N_j(f + Delta_j) - N_j(f)]}) df

G = sum_k N_k, G_{-j} = G - N_j, h the routine detection rates. The integrals use the endpoint
grid's pieces, whose breakpoints include every u - Delta_j (tests: = the cohort simulator).
"""
from __future__ import annotations

import numpy as np

from .terms import Grid, cumulative


def b_landmark(grid: Grid) -> float:
    """The landmark (years after diagnosis) of an integral grid."""
    return float(grid.u[grid.landmark])


def workup_terms(grid: Grid, dM: np.ndarray, h: np.ndarray, S: np.ndarray, lead: np.ndarray, mu: np.ndarray):
    """(any (P, T, K), extra first (P, T, K)) with the work-up, P = Po J patients.

    Parameters
    ----------
    grid : Grid
        An integral grid whose breakpoints include every user time minus every lead (and the landmark).
    dM : numpy.ndarray
        (Po, N, K) routine counts N_k(u) at unit mu on ``grid.u``.
    h : numpy.ndarray
        (Po, N, K) their rates (1/year).
    S : numpy.ndarray
        (Po, N, K) N_k(u + Delta_k): the work-up counts at u.
    lead : numpy.ndarray
        (K,) Delta_k (years; 0 where organ k is not worked up).
    mu : numpy.ndarray
        (Po, J) shedding constants.

    Returns
    -------
    any_k, first_extra : numpy.ndarray
        P(organ k detected by each user time); what the work-up adds to first-site incidence.
    """
    Po, J = mu.shape
    P = Po * J
    iL = grid.landmark
    nb = grid.pieces.shape[0] + 1
    b = grid.u[:nb]
    m4 = mu[:, :, None, None]

    def full(x):
        return x.reshape((P,) + x.shape[2:])

    NL = np.maximum(dM - dM[:, iL][:, None], 0.0)              # N^L_k (Po, N, K); 0 before the landmark
    GL = NL.sum(axis=2, keepdims=True)                         # G^L (Po, N, 1)
    GLo = GL - NL                                              # G^L_{-k}
    h_o = h.sum(axis=2, keepdims=True) - h                     # h_{-k}
    SL = np.maximum(S - dM[:, iL][:, None], 0.0)               # N^L_k(u + Delta_k)
    live = (grid.u >= b_landmark(grid))[None, None, :, None]   # the integrals run from the landmark
    g = full(np.where(live, m4 * h_o[:, None] * np.exp(-m4 * (GLo + SL)[:, None]), 0.0))          # (P, N, K)
    extra = full(np.where(live, m4 * h_o[:, None] * np.exp(-m4 * GL[:, None]) * -np.expm1(-m4 * (S - dM)[:, None]),
                          0.0))
    C = cumulative(grid, g)                                    # (P, nb, K): from 0, differences from L
    E = cumulative(grid, extra)
    user = grid.user
    L = b[iL]
    x = np.maximum(b[user][:, None] - lead[None, :], L)        # (T, K)
    ix = np.searchsorted(b, x - 1e-12 * np.maximum(np.abs(x), 1.0))   # the breakpoint at x (added to the grid)
    if not np.allclose(b[np.minimum(ix, nb - 1)], x, rtol=1e-9, atol=1e-12):
        raise AssertionError("the work-up's shifted times are not breakpoints of the grid")
    k = np.arange(lead.size)
    NLu = full(m4 * NL[:, None][:, :, user])                   # (P, T, K) mu N^L_k(u)
    GLou = full(m4 * GLo[:, None][:, :, user])
    GLox = full(m4 * GLo[:, None])[:, ix, k]                   # (P, T, K) mu G^L_{-k}(x_k)
    Cu, Cx = C[:, user], C[:, ix, k]
    undetected = np.exp(-(NLu + GLou)) + np.exp(-NLu) * -np.expm1(-GLox) + np.maximum(Cu - Cx, 0.0)
    first_extra = np.maximum(E[:, user] - E[:, iL][:, None], 0.0)
    return np.clip(1.0 - undetected, 0.0, 1.0), first_extra
