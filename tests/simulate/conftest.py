"""One small case per typology, generated once per test session."""

from __future__ import annotations

import pytest

from palermo.simulate import TYPOLOGIES, simulate

from .simulate_helpers import Generated

SMALL = 3_000


@pytest.fixture(scope="session")
def sim_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    root = tmp_path_factory.mktemp("simulate")
    out: dict[str, Generated] = {}
    for typology in TYPOLOGIES:
        simulate(typology, SMALL, 11, root / typology)
        out[typology] = Generated(root / typology)
    return out
