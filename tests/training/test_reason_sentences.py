"""Every numeric input the pipeline can build reads as a sentence, never as `name = value`:
on the generated world, and on a city's records (scores, ungraded counts, visit kinds)."""

import pandas as pd
import pytest

from features.build import CATEGORICAL, build_as_of, feature_columns
from features.loading import load_sources
from features.prepare import prepare
from tests.features.fixture_market import AS_OF
from tests.features.test_city_records import _city
from tests.features.test_cohorts_and_nearby import _with_places
from training.sentences import sentence


def _numeric(folder, as_of):
    loaded = load_sources(folder)
    frame = pd.concat(build_as_of(prepare(loaded.tables, meta=loaded.meta), as_of).values())
    return [c for c in feature_columns(frame) if c not in CATEGORICAL]


def _world(tmp_path):
    names = _numeric(_with_places(tmp_path), "2024-01-01")
    assert "near_comp_90d" in names and "insp_last_critical" in names
    return names


def _city_records(tmp_path):
    names = _numeric(_city(tmp_path / "city"), AS_OF)
    assert {"insp_score_last", "insp_days_since_fail", "insp_routine",
            "insp_last_violations"} <= set(names)
    return names


@pytest.mark.parametrize("inputs", [_world, _city_records])
def test_every_numeric_feature_has_a_sentence_in_both_languages(tmp_path, inputs):
    for name in inputs(tmp_path):
        zh, en = sentence(name, 3.0, 1.0)
        assert "=" not in zh and "=" not in en, name
        if name not in ("abn_listed_now", "serious_listed"):  # flags: the sentence is the value
            assert "3" in zh and "3" in en, name
