"""Parameter files: what is written is read back, and what the dataclasses refuse is
refused on reading and never written."""

from __future__ import annotations

import json

import pytest

from workbench.core.errors import ValidationError
from workbench.engine.params_file import FORMAT, read_params_file, write_params_file
from workbench.strategies.maker import MakerParams


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_written_file_reads_back_and_sets_exactly_its_values(tmp_path, suffix):
    path = write_params_file(tmp_path / f"btc{suffix}",
                             {"glft_params.gamma": 0.05, "glft_params.k_per_price": 0.743,
                              "unit_lots": 3},
                             strategy="glft", units={"glft_params.k_per_price": "1/USD"},
                             meta={"window": {"start": "2024-08-08"}})
    content = read_params_file(path)
    assert content.strategy == "glft"
    assert content.units == {"glft_params.k_per_price": "1/USD"}
    assert content.meta["window"] == {"start": "2024-08-08"} and content.meta["code_version"]
    params = content.apply()
    default = MakerParams()
    assert params.model == "glft" and params.unit_lots == 3
    assert params.glft_params.gamma == 0.05 and params.glft_params.k_per_price == 0.743
    # Nothing the file does not name moves.
    assert params.glft_params.a_per_s == default.glft_params.a_per_s
    assert params.as_params == default.as_params and params.guard == default.guard


def test_a_flat_mapping_and_a_saved_maker_params_read_as_well(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("model: glft\nglft_params.gamma: 0.2\n")
    assert read_params_file(flat).apply().glft_params.gamma == 0.2
    assert read_params_file(flat).strategy == "glft"
    saved = MakerParams(model="glft").to_dict()
    saved["glft_params"]["gamma"] = 0.3
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps(saved))
    assert read_params_file(nested).apply() == MakerParams.from_dict(saved)


@pytest.mark.parametrize("text, message", [
    ("params: [1, 2]", "no parameter"),
    ("params: {a: {b: [1, {c: 2}]}}", "expected a number"),
    ("- 1\n- 2\n", "expected a mapping"),
    (f"format: {FORMAT}\nparams:\n  glft_params.gama: 0.1\n", "gama"),
    (f"format: {FORMAT}\nparams:\n  glft_params.gamma: -1\n", "gamma"),
    (f"format: {FORMAT}\nparams:\n  glft_params.gamma: .nan\n", "finite"),
    (f"format: {FORMAT}\nparams:\n  unit_lots: 1.5\n", "integer"),
    ("format: workbench.params/9\nparams: {}\n", "format"),
    (f"format: {FORMAT}\nstrategy: martingale\nparams: {{}}\n", "model"),
    ("glft_params: {gamma: 0.1\n", "YAML"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message):
        read_params_file(path)


def test_refused_values_are_never_written(tmp_path):
    with pytest.raises(ValidationError, match="gamma"):
        write_params_file(tmp_path / "p.yaml", {"glft_params.gamma": -0.1})
    with pytest.raises(ValidationError, match="finite"):
        write_params_file(tmp_path / "p.yaml", {"glft_params.gamma": float("inf")})
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="cannot read"):
        read_params_file(tmp_path / "absent.yaml")
