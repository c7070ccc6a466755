"""The kernel's memory: fixed-size tables and ring queues in int64 arrays, their slots.

Everything the kernel keeps lives in a few numpy arrays (numba compiles loops over
arrays, not objects); the constants here name their columns and slots.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: How the kernel's helpers are compiled: without reference counting. They take arrays
#: but never allocate, keep or return one, so counting references to their arguments
#: (an atomic increment and decrement per array per call) is pure cost, about half the
#: kernel's run time; :func:`~workbench.engine.fast.kernel.simulate` and the functions
#: that allocate (:func:`grow`) keep it.
borrowing = njit(cache=True, _nrt=False)

NS_MAX = np.iinfo(np.int64).max
# Capacities of the in-flight queues and the order tables; exceeding one stops the run.
QUEUE_CAPACITY = 1 << 16
ORDER_CAPACITY = 4096
# Command and report kinds.
CMD_PLACE, CMD_CANCEL, CMD_IOC = 0, 1, 2
REP_ACK, REP_REJECT, REP_FILL, REP_CANCELED, REP_REFUSED = 0, 1, 2, 3, 4
# Columns. Commands: t, kind, oid, side, price, size. Reports: t, kind, oid, fill index.
# Exchange orders: oid, side, price, leaves, ahead, credit (how far the last diff that
# changed the order's level moved it up; -1 until a diff changes it after the order
# joined), seen (the level's size when last looked at). Local orders: oid, side, price, size,
# filled, state, ioc (1: the taker's). Fills: exch_ts, local_ts, oid, side, price, size,
# maker, ioc. Records: ts, best bid, best ask, bid, ask, position; sigma, cash, equity.
E_ID, E_SIDE, E_PRICE, E_LEAVES, E_AHEAD, E_CREDIT, E_SEEN = range(7)
N_EXCHANGE_COLUMNS = 7
L_ID, L_SIDE, L_PRICE, L_SIZE, L_FILLED, L_STATE, L_IOC = range(7)
PENDING_NEW, WORKING, PENDING_CANCEL = 0, 1, 2
# Scalar state slots.
(S_CQ_HEAD, S_CQ_TAIL, S_RQ_HEAD, S_RQ_TAIL, S_EX_N, S_LO_N, S_N_FILLS, S_NEXT_OID,
 S_POSITION, S_DIRTY, S_V_NEXT, S_V_N, S_V_HAS, S_SYNCED, S_ERROR, S_FLOW_TS) = range(16)
N_STATE = 16
(V_LOGP, V_SAMPLE, V_VAR, V_CASH, V_FLOW_BUY, V_FLOW_SELL) = range(6)
N_VALUES = 6
# Why a run stopped early (``S_ERROR``); the wrapper raises with the message.
ERR_COMMANDS, ERR_REPORTS, ERR_EXCHANGE_ORDERS, ERR_LOCAL_ORDERS = 1, 2, 3, 4
ERRORS = {
    ERR_COMMANDS: f"more than {QUEUE_CAPACITY} commands in flight",
    ERR_REPORTS: f"more than {QUEUE_CAPACITY} reports in flight",
    ERR_EXCHANGE_ORDERS: f"more than {ORDER_CAPACITY} orders resting at the exchange",
    ERR_LOCAL_ORDERS: f"more than {ORDER_CAPACITY} live orders",
}


@borrowing
def push(q: np.ndarray, st: np.ndarray, head: int, tail: int, err: int, t: int, a: int,
         b: int, c: int, d: int, e: int) -> None:
    """Append ``(t, a, b, c, d, e)`` (as many columns as ``q`` has) to a ring queue whose
    head and tail counters are ``st[head]`` and ``st[tail]``; a full queue sets
    ``st[S_ERROR] = err`` instead."""
    n = st[tail]
    if n - st[head] >= QUEUE_CAPACITY:
        st[S_ERROR] = err
        return
    r = n & (QUEUE_CAPACITY - 1)
    q[r, 0] = t
    q[r, 1] = a
    q[r, 2] = b
    q[r, 3] = c
    if q.shape[1] > 4:
        q[r, 4] = d
        q[r, 5] = e
    st[tail] = n + 1


@borrowing
def remove_row(rows: np.ndarray, st: np.ndarray, slot: int, n_slot: int) -> None:
    """Delete row ``slot`` of a table of ``st[n_slot]`` rows, keeping the others' order."""
    n = st[n_slot]
    for k in range(slot, n - 1):
        for c in range(rows.shape[1]):
            rows[k, c] = rows[k + 1, c]
    st[n_slot] = n - 1


@borrowing
def find_row(rows: np.ndarray, n: int, oid: int) -> int:
    """The row of the first ``n`` whose column 0 (the order id) is ``oid``, or -1."""
    for k in range(n):
        if rows[k, 0] == oid:
            return k
    return -1


@njit(cache=True)
def grow(a: np.ndarray) -> np.ndarray:
    """A copy of a 2-D array with twice the rows (the new ones zero)."""
    out = np.zeros((2 * a.shape[0], a.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for c in range(a.shape[1]):
            out[i, c] = a[i, c]
    return out
