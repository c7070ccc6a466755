"""Command line: ``workbench book-replay``, ``workbench data import|query``, ``workbench demo``,
``workbench exchange serve``."""

from __future__ import annotations

import argparse
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

    return serve(args.data, args.host, args.port, args.speed or None, args.paused)


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
    p.set_defaults(func=_exchange_serve)


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

    p = sub.add_parser("demo", help="paper-trade the bundled sample and print a summary")
    p.add_argument("--out", default="runs", help="folder for the run's journal")
    p.set_defaults(func=_demo)

    _add_exchange_parser(sub)
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
