"""Parameter objects: validation and YAML/JSON round trips."""

from __future__ import annotations

import math

import pytest

from workbench.core import ValidationError
from workbench.quoting import ASParams, GLFTParams, InventoryParams, LadderParams, PaperSimParams
from workbench.strategies import GuardParams, MakerParams


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_round_trip_through_files(tmp_path, suffix):
    params = MakerParams(
        model="glft",
        as_params=ASParams(gamma=0.2, horizon_s=30.0),
        glft_params=GLFTParams(gamma=0.05, max_inventory_units=7),
        inventory=InventoryParams(skew_mode="capped", dead_band_lots=3),
        ladder=LadderParams(levels=3, spacing_bps=1.5),
        guard=GuardParams(widen_on=0.3, widen_off=0.2),
    )
    path = tmp_path / f"maker{suffix}"
    params.save(path)
    assert MakerParams.load(path) == params


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (ASParams, {"gamma": 0.0}),
        (ASParams, {"gamma": -0.1}),
        (ASParams, {"gamma": math.nan}),
        (ASParams, {"k_per_price": 0.0}),
        (ASParams, {"a_per_s": -1.0}),
        (ASParams, {"horizon_s": 0.0}),
        (ASParams, {"mode": "weekly"}),
        (GLFTParams, {"sigma_price_per_sqrt_s": 0.0}),
        (GLFTParams, {"sigma_price_per_sqrt_s": math.nan}),
        (GLFTParams, {"max_inventory_units": 0}),
        (GLFTParams, {"drift_price_per_s": math.inf}),
        (PaperSimParams, {"sigma_price_per_sqrt_s": -2.0}),
        (PaperSimParams, {"dt_s": 2.0}),
        (InventoryParams, {"cap_fraction": 1.5}),
        (InventoryParams, {"hard_limit_lots": 10}),
        (LadderParams, {"levels": 0}),
        (GuardParams, {"widen_off": 0.6}),
        (GuardParams, {"pull_on": 0.95}),
    ],
)
def test_invalid_parameters_raise(cls, kwargs):
    with pytest.raises(ValidationError):
        cls(**kwargs)


def test_unknown_keys_and_finite_horizon_need_an_end():
    with pytest.raises(ValidationError, match="unknown"):
        ASParams.from_dict({"gama": 0.1})
    with pytest.raises(ValidationError, match="session_end_ns"):
        MakerParams(as_params=ASParams(mode="finite"))
    with pytest.raises(ValidationError):
        ASParams.load("params.toml")
