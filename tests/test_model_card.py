from pathlib import Path

import yaml

from pipeline.labels import labels_for_types
from pipeline.model_card import render_card

REPO_ROOT = Path(__file__).resolve().parents[1]
METRICS = {
    "test_PER": {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "number": 2},
    "test_overall_precision": 0.5, "test_overall_recall": 1.0, "test_overall_f1": 2 / 3, "test_overall_accuracy": 0.9,
}


def test_card_states_source_labels_settings_and_scores():
    params = yaml.safe_load((REPO_ROOT / "params.full.yaml").read_text())
    labels = labels_for_types(params["systems"]["B"]["types"])
    card = render_card("B", params, labels, METRICS, 3.0)
    assert "`Babelscape/multinerd` at revision `2814b78e7af4b5a1f1886fe7ad49632de4d9dd25`" in card
    assert "datasets:\n- Babelscape/multinerd" in card
    assert "0 O, 1 B-PER, 2 I-PER" in card and "10 I-DIS" in card
    assert "`tomaarsen/span-marker-mbert-base-multinerd` at revision `bfbb1738" in card
    assert "| learning_rate | 5e-05 |" in card and "Epochs that ran: 3.0" in card
    assert "| PER | 0.5000 | 1.0000 | 0.6667 | 2 |" in card
    assert "| **overall** | 0.5000 | 1.0000 | 0.6667 | |" in card
    assert "persons, organisations, locations, diseases and animals" in card


def test_card_of_the_embedded_run_says_it_is_not_multinerd():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    card = render_card("A", params, labels_for_types(params["systems"]["A"]["types"]), METRICS, 2.0)
    assert "embedded synthetic sample" in card and "datasets:" not in card
