"""Execution: the simulated exchange, the order manager, positions, risk gate and kill
switch, and the durable journal. Import from the subpackages:

- :mod:`workbench.execution.sim`: :class:`SimExchange` and its latency, queue and fee models;
- :mod:`workbench.execution.orders`: :class:`OrderManager`;
- :mod:`workbench.execution.position`: :class:`Position`, :class:`Portfolio`;
- :mod:`workbench.execution.risk`: :class:`RiskGate`, :class:`KillSwitch`, :class:`RiskLimits`;
- :mod:`workbench.execution.journal`: :class:`SqliteJournal`, :func:`recover`;
- :mod:`workbench.execution.venue`: the :class:`Venue` protocol.
"""
