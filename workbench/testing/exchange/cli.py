"""``workbench exchange serve``: run the local exchange in the foreground until Ctrl-C.

Signed endpoints accept the key pair in ``WORKBENCH_EXCHANGE_API_KEY`` and
``WORKBENCH_EXCHANGE_API_SECRET`` (set both; without them no key is accepted).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

from workbench.testing.exchange.server import LocalExchange, Recording


def serve(data: list[str] | None, host: str, port: int, speed: float | None,
          paused: bool, channels: list[str] | None = None) -> int:
    """Serve until interrupted; prints where it listens (first line: the REST base URL).

    Parameters
    ----------
    data : list of str, optional
        Recorded files to replay (the bundled sample when None).
    host, port : str, int
        Where to listen (loopback only; port 0 picks a free one).
    speed : float or None
        Replay speed (None: as fast as clients read).
    paused : bool
        Start paused (``POST /_control/replay {"action": "resume"}`` to go).
    channels : list of str, optional
        Replay only these channels (``depth``, ``trade``, ``bookTicker``). The recording
        is parsed before the exchange listens, so the replay costs no parsing.

    Returns
    -------
    int
        0 once stopped by SIGINT / SIGTERM.
    """
    recording = Recording(data, cache=True, channels=channels)
    return asyncio.run(_serve(recording, host, port, speed, paused))


async def _serve(recording: Recording, host: str, port: int, speed: float | None,
                 paused: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    key = os.environ.get("WORKBENCH_EXCHANGE_API_KEY")
    secret = os.environ.get("WORKBENCH_EXCHANGE_API_SECRET")
    keys = {key: secret} if key and secret else {}
    async with LocalExchange(recording, speed=speed, paused=paused, host=host, port=port,
                             api_keys=keys) as ex:
        urls = ex.urls
        print(urls.rest, flush=True)
        key_note = ("from WORKBENCH_EXCHANGE_API_KEY" if keys else
                    "none (set WORKBENCH_EXCHANGE_API_KEY and _SECRET to trade)")
        streams = ", ".join(f"{v} {s}" for v, s in recording.streams)
        print(f"local exchange: {streams}; speed {speed or 'as fast as possible'}"
              f"{' (paused)' if paused else ''}\n"
              f"  REST        {urls.rest}/api/v3 (spot), {urls.rest}/fapi/v1 (USD-M)\n"
              f"  streams     {urls.spot_stream}/ws | /stream?streams=...  (spot)\n"
              f"              {urls.usdm_stream}/ws | /public/ws | /stream?streams=...  (USD-M)\n"
              f"  ws-api      {urls.spot_ws_api} (spot), {urls.usdm_ws_api} (USD-M)\n"
              f"  control     POST {urls.rest}/_control/fault | /_control/replay\n"
              f"  API key     {key_note}",
              file=sys.stderr, flush=True)
        ended = asyncio.ensure_future(ex.replay.wait_ended())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([ended, stopped], return_when=asyncio.FIRST_COMPLETED)
        if ended.done() and not stopped.done():
            print("local exchange: the recording has ended; still serving", file=sys.stderr,
                  flush=True)
            await stopped
        ended.cancel()
    return 0
