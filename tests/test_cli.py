import json

import pytest

from workbench.cli import main
from workbench.data.binance.feed import replay_book


def test_book_replay_json_matches_the_python_api(sample_files, capsys):
    usdm = [p for p in sample_files if "usdm" in str(p)]
    assert main(["book-replay", *map(str, usdm), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"best_bid", "best_ask", "bid_levels", "ask_levels", "crossed", "gaps",
                        "events"}
    summary = replay_book(usdm).summary()
    assert out == {k: summary[k] for k in out}
    assert out["best_bid"][0] < out["best_ask"][0] and out["gaps"] == 0


def test_data_import_and_query(sample_files, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["data", "import", *map(str, sample_files), "--store", str(store),
                 "--quiet"]) == 0
    assert main(["data", "query", "--store", str(store), "--kind", "trade"]) == 0
    out = capsys.readouterr().out
    assert "binance-usdm" in out and "trade" in out


def test_missing_file_is_a_clean_error(capsys):
    assert main(["book-replay", "/nonexistent/file.gz"]) == 2
    assert "error" in capsys.readouterr().err


def test_usage_errors_exit_nonzero():
    with pytest.raises(SystemExit):
        main(["no-such-command"])
