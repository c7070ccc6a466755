"""Command line: ``workbench book-replay``, ``workbench data import|query``, ``workbench demo``,
``workbench exchange serve``, ``workbench venues``, ``workbench record``,
``workbench paper``, ``workbench recipe run|list|schedule``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence

from workbench.core.errors import WorkbenchError


def _book_replay(args: argparse.Namespace) -> int:
    from workbench.data.binance.feed import replay_book

    result = replay_book(args.files, venue=args.venue, symbol=args.symbol)
    summary = result.summary()
    if args.json:
        keys = ("best_bid", "best_ask", "bid_levels", "ask_levels", "crossed", "gaps", "events")
        print(json.dumps({k: summary[k] for k in keys}))
    else:
        for key, value in summary.items():
            print(f"{key:>11}: {value}")
        agreement = result.agreement
        print(f"{'bookTicker':>11}: {agreement.agreed}/{agreement.compared} exact matches")
    return 0


def _data_import(args: argparse.Namespace) -> int:
    from workbench.data.store import import_files

    written = import_files(args.paths, args.store, progress=not args.quiet)
    print(f"wrote {len(written)} file(s) under {args.store}")
    return 0


def _data_query(args: argparse.Namespace) -> int:
    from workbench.data.store import query

    frame = query(args.store, venues=args.venue, symbols=args.symbol, kinds=args.kind,
                  start_ns=args.start_ns, end_ns=args.end_ns)
    counts = frame.groupby(["venue", "symbol", "kind"], observed=True)["msg"].size()
    print(counts.to_string())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from workbench.engine.demo import run_demo

    run_demo(out_dir=args.out)
    return 0


def _exchange_serve(args: argparse.Namespace) -> int:
    from workbench.testing.exchange.cli import serve

    return serve(args.data, args.host, args.port, args.speed or None, args.paused,
                 args.channels)


def _add_exchange_parser(sub: argparse._SubParsersAction) -> None:
    exchange = sub.add_parser("exchange", help="the local Binance exchange for tests")
    commands = exchange.add_subparsers(dest="exchange_command", required=True)
    p = commands.add_parser("serve", help="serve a recorded market on 127.0.0.1 (Binance "
                            "spot and USD-M wire protocol) until Ctrl-C")
    p.add_argument("--data", nargs="+", help="recorded files (default: the bundled sample)")
    p.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    p.add_argument("--speed", type=float, default=1.0,
                   help="replay speed: 1 real time, N times faster, 0 as fast as possible")
    p.add_argument("--paused", action="store_true", help="start with the replay paused")
    p.add_argument("--channels", nargs="+", choices=["depth", "trade", "bookTicker"],
                   help="replay only these channels (default: all recorded)")
    p.set_defaults(func=_exchange_serve)


def _venues(args: argparse.Namespace) -> int:
    from workbench.connectors.registry import venues, venues_json, venues_table

    infos = venues()
    print(json.dumps(venues_json(infos), indent=1) if args.json else venues_table(infos))
    return 0


def _pointer(url: str | None):
    """Rewrites a ccxt Binance object's URLs to the local exchange at ``url``."""
    if url is None:
        return None
    from workbench.testing.exchange import point_ccxt

    return lambda exchange: point_ccxt(exchange, url)


def _record(args: argparse.Namespace) -> int:
    import asyncio

    from workbench.connectors import build
    from workbench.connectors.clock import ReceiveClock
    from workbench.connectors.live import LiveSource
    from workbench.connectors.record import ParquetSink, Recorder, ccxt_raw_sink, tap_raw_messages
    from workbench.data.recorder import RawFileWriter

    symbols = [s for s in args.symbols.split(",") if s]

    async def main() -> None:
        clock = ReceiveClock()
        writer = RawFileWriter(args.out)
        store = None
        if args.native:
            venue = build.NATIVE_VENUES.get(args.venue)
            feed = build.native_feed(args.venue, symbols, clock, args.exchange_url,
                                     on_line=Recorder.native_line_sink(writer, venue or ""))
        else:
            feed = await build.ccxt_feed(args.venue, symbols, clock, _pointer(args.exchange_url))
            tap_raw_messages(feed.exchange, ccxt_raw_sink(writer, feed), clock)
            store = ParquetSink(args.store, feed.instruments)
        recorder = Recorder(LiveSource([feed], clock), writer, store)
        await recorder.run(args.seconds, status=lambda line: print(line, flush=True))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def _paper(args: argparse.Namespace) -> int:
    import asyncio

    from workbench.connectors import build
    from workbench.connectors.clock import ReceiveClock
    from workbench.connectors.live import LiveSource
    from workbench.connectors.paper import maker_params, paper_session, run_headless

    maker = maker_params(args.strategy)
    if args.params:
        from workbench.engine.params_file import read_params_file

        maker = read_params_file(args.params).apply(maker)

    async def main() -> None:
        clock = ReceiveClock()
        keys = [(args.venue, args.symbol), *(tuple(a.split(":", 1)) for a in args.also)]
        if args.native:
            feeds = [build.native_feed(v, [s], clock, args.exchange_url) for v, s in keys]
            source_feeds = [build.group(feeds)]
            instruments = [build.binance_instrument(f.venue, f.symbols[0]) for f in feeds]
        else:
            source_feeds = [await build.ccxt_feed(v, [s], clock, _pointer(args.exchange_url))
                            for v, s in keys]
            instruments = [f.instruments[0] for f in source_feeds]
        run = paper_session(LiveSource(source_feeds, clock), instruments, instruments[0].key,
                            maker, journal_path=args.journal)
        await run_headless(run, args.seconds, status=lambda line: print(line, flush=True))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def _add_live_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("venues", help="every ccxt exchange and what it streams (no network)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_venues)
    for name, helptext in (("record", "record a venue's live feed to raw files (and the "
                            "Parquet store for ccxt venues) until Ctrl-C"),
                           ("paper", "paper-trade on live data until Ctrl-C")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--venue", required=True, help="a ccxt id: binance, binanceusdm, ...")
        p.add_argument("--native", action="store_true",
                       help="Binance's own protocol instead of ccxt.pro")
        p.add_argument("--exchange-url", help="a local exchange (http://127.0.0.1:P) "
                       "instead of the venue")
        p.add_argument("--seconds", type=float, help="stop after this long")
        if name == "record":
            p.add_argument("--symbols", required=True, help="comma-separated: BTC/USDT,...")
            p.add_argument("--out", default="recorded", help="raw files folder")
            p.add_argument("--store", default="store", help="Parquet store (ccxt venues)")
            p.set_defaults(func=_record)
        else:
            p.add_argument("--symbol", required=True, help="the symbol to quote")
            p.add_argument("--also", action="append", default=[], metavar="VENUE:SYMBOL",
                           help="another stream for the fair mid (repeatable)")
            p.add_argument("--strategy", default="glft", help="quoting model: glft or as")
            p.add_argument("--params", help="parameter file (workbench.params/1, or YAML of "
                           "dotted maker parameters)")
            p.add_argument("--journal", help="the session's journal (SQLite)")
            p.set_defaults(func=_paper)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``workbench`` command."""
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("book-replay", help="replay a recorded stream's book to its end")
    p.add_argument("files", nargs="+", help="raw feed files of one stream")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--venue", help="binance-spot | binance-usdm | binance-coinm")
    p.add_argument("--symbol", help="the stream to replay when files hold several")
    p.set_defaults(func=_book_replay)

    data = sub.add_parser("data", help="the Parquet event store").add_subparsers(
        dest="data_command", required=True)
    p = data.add_parser("import", help="convert raw feed files into the store")
    p.add_argument("paths", nargs="+")
    p.add_argument("--store", default="store", help="store root folder (default: ./store)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_data_import)
    p = data.add_parser("query", help="count stored messages by stream and kind")
    p.add_argument("--store", default="store")
    p.add_argument("--venue", action="append")
    p.add_argument("--symbol", action="append")
    p.add_argument("--kind", action="append")
    p.add_argument("--start-ns", type=int)
    p.add_argument("--end-ns", type=int)
    p.set_defaults(func=_data_query)

    p = sub.add_parser("demo", help="backtest the bundled sample and print a summary")
    p.add_argument("--out", default="runs", help="folder for the run's journal")
    p.set_defaults(func=_demo)

    _add_exchange_parser(sub)
    _add_live_parsers(sub)
    from workbench.jobs.cli import add_recipe_parser

    add_recipe_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (2 on bad input, with no traceback)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (WorkbenchError, OSError) as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
