from workbench.engine.demo import run_demo


def test_demo_prints_a_summary_and_writes_the_journal(tmp_path, capsys):
    result = run_demo(tmp_path)
    out = capsys.readouterr().out
    for word in ("events", "orders", "fills", "order age at fill", "volume", "fees", "inventory",
                 "PnL", "engine compute per event", "journal"):
        assert word in out
    journal = tmp_path / "demo" / "journal.sqlite"
    assert journal.exists() and (tmp_path / "demo" / "journal.parquet").exists()
    import pandas as pd

    exported = pd.read_parquet(tmp_path / "demo" / "journal.parquet")
    assert (exported["kind"] == "filled").sum() == len(result.fills) > 50
