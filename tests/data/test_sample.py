"""The bundled sample is a line-exact prefix of the recorded Binance data."""

import gzip

from workbench.data.sample import SAMPLE_FILES, SAMPLE_ROOT, SAMPLE_SECONDS, cut_prefix


def test_sample_is_a_prefix_of_the_recorded_files(binance_dir):
    for rel in SAMPLE_FILES:
        sample = gzip.open(SAMPLE_ROOT / rel).read().split(b"\n")[:-1]
        full = gzip.open(binance_dir / rel).read().split(b"\n")
        assert sample == full[: len(sample)]
        first = int(full[0].split(b" ")[0])
        next_ts = int(full[len(sample)].split(b" ")[0])
        assert next_ts >= first + SAMPLE_SECONDS * 10**9  # cut exactly at the limit
        assert int(sample[-1].split(b" ")[0]) < first + SAMPLE_SECONDS * 10**9


def test_cut_prefix_recreates_the_sample(binance_dir, tmp_path):
    rel = SAMPLE_FILES[0]
    n = cut_prefix(binance_dir / rel, tmp_path / "cut.gz", SAMPLE_SECONDS)
    assert gzip.open(tmp_path / "cut.gz").read() == gzip.open(SAMPLE_ROOT / rel).read()
    assert n == len(gzip.open(SAMPLE_ROOT / rel).read().split(b"\n")) - 1
