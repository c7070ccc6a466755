"""Daily calibration as a job (issue 14), one line per figure.

* ``calibration_run_s``: one ``daily_calibration`` notebook run for one market on the
  bundled sample (USD-M BTCUSDT, the ready recipe's item), from the command to the
  written parameter file, kernel start included: median of ``--runs`` runs (target
  <= 20 s).
* ``recipe_scaleout_2_vs_1_workers`` (the scale-out ratio): a recipe of 8 items (the
  same market and day, unit sizes 1 to 8 lots) on a Dask ``LocalCluster`` of 2 workers
  over the same on 1 worker, the two interleaved, median of the per-pair ratios (target
  <= 0.6; 0.5 is perfect scaling). Each item is a papermill run in its own process, so
  the workers are threads.

Run: ``python benchmarks/bench_calibration.py [--runs N] [--pairs N]`` (pairs: at least
five).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from common import REPO
from interleave import MIN_PAIRS, Figure, interleave, report, report_pairs

from workbench.jobs import load_recipe, run_recipe
from workbench.jobs.notebook import run_notebook

FIGURES = {
    "run": Figure("calibration_run_s", "absolute: wall seconds of one notebook run, kernel "
                  "start included (the issue's own target)", "<=", 20.0, unit="s"),
    "scaleout": Figure("recipe_scaleout_2_vs_1_workers", "the same 8 items on 1 worker",
                       "<=", 0.6),
}


def calibration_run_s(out: Path) -> float:
    (item,) = load_recipe(REPO / "recipes" / "daily_calibration.yaml").items()
    params = {**item.parameters, "output_path": str(out / "p.yaml")}
    start = time.perf_counter()
    run = run_notebook(REPO / "notebooks" / "daily_calibration.ipynb", out / "p.ipynb", params,
                       cwd=REPO)
    if not run.ok:
        raise SystemExit(f"calibration run failed: {run.error}")
    return time.perf_counter() - start


def _recipe(root: Path) -> Path:
    path = root / "recipes" / "scaleout.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(f"""\
        notebook: {REPO / "notebooks" / "daily_calibration.ipynb"}
        grid:
          market: [{{venue: binance-usdm, symbol: BTCUSDT}}]
          date: ["2024-08-08"]
          unit_lots: [1, 2, 3, 4, 5, 6, 7, 8]
        parameters: {{sweep_points: 5}}
        output: ../out/{{venue}}_{{symbol}}_{{date}}_{{unit_lots}}.yaml
        """))
    return path


def recipe_s(root: Path, workers: int) -> float:
    from distributed import Client, LocalCluster

    recipe = load_recipe(_recipe(root))
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    try:
        with Client(cluster) as client:
            start = time.perf_counter()
            result = run_recipe(recipe, client=client, force=True, progress=False,
                                cwd=str(REPO))
            elapsed = time.perf_counter() - start
    finally:
        cluster.close()
    if not result.ok:
        raise SystemExit("\n".join(result.lines()))
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=MIN_PAIRS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        calibration_run_s(tmp)  # warm the compiled kernels' cache
        runs = [calibration_run_s(tmp) for _ in range(args.runs)]
        report(FIGURES["run"], statistics.median(runs), f"median of {len(runs)} runs")
        count = iter(range(10**6))
        pairs = interleave(lambda: recipe_s(tmp / f"two{next(count)}", 2),
                           lambda: recipe_s(tmp / f"one{next(count)}", 1),
                           pairs=args.pairs, warmup=False)
        report_pairs(FIGURES["scaleout"], pairs, "s")


if __name__ == "__main__":
    main()
