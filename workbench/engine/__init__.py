"""The engine: the loops that drive books, strategies and venues over events."""

from workbench.engine.paper_replay import PaperRunResult, run_paper_replay

__all__ = ["PaperRunResult", "run_paper_replay"]
