"""``workbench recipe run|list|schedule``: the command line of recipes (imports lazily)."""

from __future__ import annotations

import argparse
from pathlib import Path

#: Where ``recipe list`` looks by default.
RECIPES_DIR = "recipes"


def _run(args: argparse.Namespace) -> int:
    from workbench.jobs.recipe import load_recipe
    from workbench.jobs.runner import run_recipe

    recipe = load_recipe(args.recipe)
    report = run_recipe(recipe, workers=args.workers, scheduler=args.scheduler,
                        force=args.force, progress=not args.no_progress)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def _list(args: argparse.Namespace) -> int:
    from workbench.jobs.recipe import load_recipe

    paths = sorted(Path(args.folder).glob("*.yaml")) + sorted(Path(args.folder).glob("*.yml"))
    if not paths:
        print(f"no recipes under {args.folder}")
        return 0
    for path in paths:
        recipe = load_recipe(path)
        items = recipe.items()
        done = sum(i.finished for i in items)
        print(f"{recipe.name:<24} {recipe.notebook.name:<28} {len(items):>4} items "
              f"({done} finished)  schedule: {recipe.schedule or '-'}")
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from workbench.jobs.recipe import load_recipe
    from workbench.jobs.schedule import cron_line, install

    recipes = [load_recipe(p) for p in args.recipes]
    lines = [cron_line(r) for r in recipes]
    if args.install:
        install(lines, recipes)
        print(f"installed {len(lines)} line(s) in the crontab")
    for line in lines:
        print(line)
    return 0


def add_recipe_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``recipe run|list|schedule`` to the ``workbench`` command."""
    recipe = sub.add_parser("recipe", help="run parameterised notebooks over markets and "
                            "dates, locally or on Dask")
    commands = recipe.add_subparsers(dest="recipe_command", required=True)
    p = commands.add_parser("run", help="run every unfinished item of a recipe")
    p.add_argument("recipe", help="recipe file (recipes/*.yaml)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="a Dask scheduler to run on (default: local processes)")
    p.add_argument("--workers", type=int, default=2, help="local parallel runs")
    p.add_argument("--force", action="store_true", help="run finished items again")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)
    p = commands.add_parser("list", help="the recipes of a folder and their progress")
    p.add_argument("folder", nargs="?", default=RECIPES_DIR)
    p.set_defaults(func=_list)
    p = commands.add_parser("schedule", help="print (or install) the recipes' cron lines")
    p.add_argument("recipes", nargs="+")
    p.add_argument("--install", action="store_true", help="put them in the user's crontab")
    p.set_defaults(func=_schedule)
