"""Every numeric input the pipeline can build reads as a sentence, never as `name = value`."""

import pandas as pd

from features.build import CATEGORICAL, build_as_of, feature_columns
from features.loading import load_sources
from features.prepare import prepare
from tests.features.test_cohorts_and_nearby import _with_places
from training.reasons import _sentence


def test_every_numeric_feature_has_a_sentence_in_both_languages(tmp_path):
    prep = prepare(load_sources(_with_places(tmp_path)).tables)
    frame = pd.concat(build_as_of(prep, "2024-01-01").values())
    numeric = [c for c in feature_columns(frame) if c not in CATEGORICAL]
    assert "near_comp_90d" in numeric and "insp_last_critical" in numeric
    for name in numeric:
        zh, en = _sentence(name, 3.0, 1.0)
        assert "=" not in zh and "=" not in en, name
        if name not in ("abn_listed_now", "serious_listed"):  # flags: the sentence is the value
            assert "3" in zh and "3" in en, name
