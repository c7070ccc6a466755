import numpy as np

from workbench.book import BINANCE_FUTURES, BINANCE_SPOT, BookSync, SyncState
from workbench.core.events import BookDelta, BookSnapshot

E = np.zeros(0, dtype=np.int64)


def snap(last_id, bid=100, ask=101):
    return BookSnapshot(0, 0, "v", "S", np.array([bid]), np.array([1]), np.array([ask]),
                        np.array([1]), last_id)


def diff(first, last, prev=-1, bid=None, ts=0):
    bt, bl = (np.array([bid[0]]), np.array([bid[1]])) if bid else (E, E)
    return BookDelta(0, ts, "v", "S", bt, bl, E, E, first, last, prev)


def test_spot_rule_buffers_diffs_until_the_snapshot():
    sync = BookSync(BINANCE_SPOT)
    assert not sync.on_delta(diff(5, 9, bid=(99, 2)))  # stale once the snapshot (10) lands
    assert not sync.on_delta(diff(10, 12, bid=(100, 3)))  # covers 11 = L + 1: the first
    assert not sync.on_delta(diff(13, 15, bid=(100, 4)))
    assert sync.state is SyncState.AWAITING_SNAPSHOT
    sync.on_snapshot(snap(10))
    assert sync.synced and sync.last_update_id == 15
    assert sync.book.best_bid() == (100, 4)
    assert sync.stats.deltas_stale == 1 and sync.stats.deltas_applied == 2


def test_spot_gap_clears_and_flags_until_next_snapshot():
    sync = BookSync(BINANCE_SPOT)
    sync.on_snapshot(snap(10))
    assert sync.on_delta(diff(11, 12))
    assert not sync.on_delta(diff(14, 15))  # 13 is missing
    assert sync.stats.gap_count == 1 and not sync.synced
    assert sync.book.best_bid() is None  # nothing stale left to trade on
    sync.on_snapshot(snap(14, bid=90))
    assert sync.synced and sync.last_update_id == 15  # the buffered diff continued it


def test_futures_rule_chains_on_prev_id():
    sync = BookSync(BINANCE_FUTURES)
    sync.on_snapshot(snap(100))
    assert not sync.on_delta(diff(90, 99, prev=80))  # u < L: stale
    assert sync.on_delta(diff(95, 105, prev=94))  # U <= L <= u: first
    assert sync.on_delta(diff(108, 110, prev=105))  # ids may jump; pu must chain
    assert not sync.on_delta(diff(111, 112, prev=109))
    assert sync.stats.gap_count == 1
    assert sync.stats.gaps[0].reason == "diff does not follow the previous one"


def test_snapshot_older_than_the_diffs_is_a_gap():
    sync = BookSync(BINANCE_FUTURES)
    sync.on_delta(diff(200, 210, prev=199))
    sync.on_snapshot(snap(150))  # the diffs start after 150: ids 151..199 were lost
    assert not sync.synced
    assert sync.stats.gaps[0].reason == "snapshot older than the diffs"


def test_old_snapshot_does_not_rewind_a_synced_book():
    sync = BookSync(BINANCE_FUTURES)
    sync.on_snapshot(snap(100))
    sync.on_delta(diff(100, 120, prev=90, bid=(100, 9)))
    assert not sync.on_snapshot(snap(110, bid=50))
    assert sync.book.best_bid() == (100, 9)


def test_crossed_updates_are_counted():
    sync = BookSync(BINANCE_FUTURES)
    sync.on_snapshot(snap(100))
    sync.on_delta(diff(100, 101, prev=99, bid=(105, 1)))
    assert sync.book.crossed and sync.stats.crossed_updates == 1


def test_one_event_offered_twice_is_applied_once_but_a_repeat_is_a_gap():
    """Two readers sharing a book: the second finds each event applied, with the same
    answer; a diff repeated by the feed (another object) is still a gap."""
    sync = BookSync(BINANCE_SPOT)
    first = snap(10)
    assert sync.on_snapshot(first) and sync.on_snapshot(first)
    assert sync.stats.snapshots == 1
    d = diff(11, 12, bid=(100, 7))
    assert sync.on_delta(d) and sync.on_delta(d)
    assert sync.stats.deltas_applied == 1 and sync.last_update_id == 12 and sync.synced
    gap = diff(14, 15)
    assert not sync.on_delta(gap) and not sync.on_delta(gap)
    assert sync.stats.gap_count == 1 and len(sync._buffer) == 1
    sync.on_snapshot(snap(13))
    repeat = diff(14, 15)
    assert not sync.on_delta(repeat)  # equal to the one applied, not the same object
    assert sync.stats.gap_count == 2


def _levels(book):
    return book._bids, book._asks, book._bid_keys, book._ask_keys


def _recorded_runs():
    """The bundled USD-M sample's snapshots and diffs, a diff missing in the middle."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.sample import sample_paths

    paths = [p for p in sample_paths() if p.parent.name == "usdm"][:1]
    feed = read_raw_feed(paths, workers=1)
    key, table = next(iter(feed.streams.items()))
    events = [e for e in table.events() if type(e) in (BookDelta, BookSnapshot)]
    deltas = [i for i, e in enumerate(events) if type(e) is BookDelta]
    del events[deltas[len(deltas) // 2]]  # a gap half-way
    return key, events


def test_a_run_of_diffs_ends_where_the_diffs_one_by_one_end():
    # The reference is the per-diff path over the same recorded stream: a run that put a
    # level set and removed within it, lost the order of two sizes of one price, applied
    # across the gap or missed a stale or buffered diff would end with another book or
    # other counts.
    key, events = _recorded_runs()
    one, runs = BookSync(BINANCE_FUTURES, *key), BookSync(BINANCE_FUTURES, *key)
    for e in events:
        (one.on_delta if type(e) is BookDelta else one.on_snapshot)(e)
    run: list = []
    for e in [*events, None]:
        if type(e) is BookDelta and len(run) < 97:
            run.append(e)
            continue
        runs.on_deltas(run)
        run = [e] if type(e) is BookDelta else []
        if type(e) is BookSnapshot:
            runs.on_snapshot(e)
    assert one.stats.gap_count == runs.stats.gap_count >= 1
    assert (one.stats.deltas_applied, one.stats.deltas_stale) == (
        runs.stats.deltas_applied, runs.stats.deltas_stale)
    assert one.state is runs.state and one.last_update_id == runs.last_update_id
    assert _levels(one.book) == _levels(runs.book)


def test_a_gap_inside_a_run_drops_what_the_run_gathered_before_it():
    sync = BookSync(BINANCE_SPOT)
    sync.on_snapshot(snap(10))
    applied = sync.on_deltas([diff(11, 12, bid=(100, 5)), diff(14, 15, bid=(99, 7)),
                              diff(16, 17, bid=(98, 1))])
    assert applied == 1 and not sync.synced and sync.stats.gap_count == 1
    assert sync.book.best_bid() is None  # neither (100, 5) nor anything after the gap
    assert sync.buffered_last_ids == [15, 17]
    sync.on_snapshot(snap(14, bid=90))
    assert sync.synced and sync.last_update_id == 17 and sync.book.best_bid() == (99, 7)
