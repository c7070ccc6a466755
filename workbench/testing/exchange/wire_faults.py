"""Faults of the market-data wire: lost, repeated and reordered messages, and delays.

Each fault is a rule that matches messages by API family, symbol and channel and applies
to the next ``count`` of them as they are published, so every subscriber of the stream
sees the same fault. The exchange's own book always applies the true message: only what
goes on the wire changes, which is what makes a lost diff a sequence gap to the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workbench.core.errors import ValidationError
from workbench.testing.exchange.recorded import Channel


class WireAction(StrEnum):
    """What a rule does to the messages it matches."""

    DROP = "drop"  # the message is lost
    DUPLICATE = "duplicate"  # the message is sent twice
    SWAP = "swap"  # the message is sent after the next matching one


@dataclass
class _Rule:
    action: WireAction
    remaining: int
    api: str | None
    symbol: str | None
    channel: Channel | None
    held: bytes | None = None

    def matches(self, api: str, symbol: str, channel: Channel) -> bool:
        return ((self.api is None or self.api == api)
                and (self.symbol is None or self.symbol == symbol)
                and (self.channel is None or self.channel is channel))


@dataclass
class WireFaults:
    """The pending wire faults and the publish delay of each API family.

    Attributes
    ----------
    delay_s : dict
        ``api -> seconds`` every published message of that family waits before it is
        sent (``None`` key: every family).
    dropped, duplicated, swapped : int
        Messages affected so far.
    """

    delay_s: dict[str | None, float] = field(default_factory=dict)
    dropped: int = 0
    duplicated: int = 0
    swapped: int = 0
    _rules: list[_Rule] = field(default_factory=list)

    def add(self, action: WireAction | str, count: int = 1, api: str | None = None,
            symbol: str | None = None, channel: Channel | str | None = Channel.DEPTH) -> None:
        """Apply ``action`` to the next ``count`` matching messages.

        Raises
        ------
        ValidationError
            If ``count`` is not positive or the action or channel is unknown.
        """
        if count <= 0:
            raise ValidationError(f"count must be positive, got {count}")
        self._rules.append(_Rule(WireAction(action), count, api,
                                 symbol.upper() if symbol else None,
                                 Channel(channel) if channel is not None else None))

    def clear(self) -> None:
        """Forget every pending rule (a message held for a swap is lost) and delay."""
        self._rules.clear()
        self.delay_s.clear()

    @property
    def pending(self) -> int:
        """Messages still to be affected by the pending rules."""
        return sum(r.remaining for r in self._rules)

    def delay_for(self, api: str) -> float:
        """Seconds a message of ``api`` waits before it is sent."""
        return self.delay_s.get(api, self.delay_s.get(None, 0.0))

    def apply(self, api: str, symbol: str, channel: Channel, payload: bytes) -> list[bytes]:
        """The payloads to send for one published message, in order."""
        for rule in self._rules:
            if rule.matches(api, symbol, channel):
                return self._act(rule, payload)
        return [payload]

    def _act(self, rule: _Rule, payload: bytes) -> list[bytes]:
        action = rule.action
        if action is WireAction.SWAP:
            if rule.held is None:
                rule.held = payload
                return []
            out = [payload, rule.held]
            rule.held = None
            self.swapped += 1
        elif action is WireAction.DROP:
            out = []
            self.dropped += 1
        else:
            out = [payload, payload]
            self.duplicated += 1
        rule.remaining -= 1
        if rule.remaining <= 0:
            self._rules.remove(rule)
        return out
