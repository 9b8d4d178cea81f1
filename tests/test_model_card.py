"""The model card states what the model was trained on, how, and its validation scores; never test scores."""

from pathlib import Path

import yaml
from huggingface_hub import ModelCard

from pipeline.core.params import ModelParams
from pipeline.data.labels import labels_for_types
from pipeline.model.model_card import render_card
from tests.conftest import declared_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
VALIDATION = {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "accuracy": 0.9}


def info(types: list[str], languages: list[str], source: dict) -> dict:
    labels = labels_for_types(types)
    return {"labels": labels, "types": [label[2:] for label in labels[1::2]], "languages": languages, "source": source}


def real_run_params() -> dict:
    """``params.yaml`` with the real run's overrides (``params.full.yaml``) applied."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    for block, values in yaml.safe_load((REPO_ROOT / "params.full.yaml").read_text()).items():
        params[block].update(values)
    return params


def test_card_states_source_labels_settings_and_scores():
    params = real_run_params()
    hub = {"source": "hub", "dataset": "Babelscape/multinerd", "revision": "2814b78e7af4b5a1f1886fe7ad49632de4d9dd25"}
    card = render_card(
        "B",
        info(params["systems"]["B"]["types"], ["en"], hub),
        ModelParams.read(params),
        declared_settings(params, "B"),
        VALIDATION,
        3.0,
    )
    assert "`Babelscape/multinerd` at revision `2814b78e7af4b5a1f1886fe7ad49632de4d9dd25`" in card
    assert "datasets:\n- Babelscape/multinerd" in card
    assert "0 O, 1 B-PER, 2 I-PER" in card and "10 I-DIS" in card
    assert "`tomaarsen/span-marker-mbert-base-multinerd` at revision `bfbb1738" in card
    assert "| learning_rate | 5e-05 |" in card and "Epochs that ran: 3.0" in card
    assert "| 50.00% | 100.00% | 66.67% | 90.00% |" in card
    assert "in `en` text for persons, organisations, locations, animals, diseases." in card
    assert "Test results" not in card
    metadata = ModelCard(card).data  # the front matter as the Hub reads it
    assert (metadata.library_name, metadata.language, metadata.datasets, metadata.license) == (
        "span-marker",
        ["en"],
        ["Babelscape/multinerd"],
        "cc-by-nc-sa-4.0",
    )


def test_card_follows_the_language_and_says_when_data_is_not_multinerd():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    card = render_card(
        "A",
        info(["PER", "VEHI"], ["de"], {"source": "sample"}),
        ModelParams.read(params),
        declared_settings(params, "A"),
        VALIDATION,
        2.0,
    )
    assert "embedded synthetic sample" in card and "datasets:" not in card
    assert "language:\n- de" in card and "in `de` text for persons, vehicles." in card


def test_card_names_every_training_language():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    card = render_card(
        "A",
        info(["PER"], ["en", "de"], {"source": "sample"}),
        ModelParams.read(params),
        declared_settings(params, "A"),
        VALIDATION,
        2.0,
    )
    assert "language:\n- en\n- de\n" in card and "in `en` and `de` text for persons." in card
    assert "MultiNERD (en, de)" in card and "rows with `lang` in en, de." in card


def card_of(params: dict, epochs_run: float, selection: dict | None = None) -> str:
    """System B's card (PER, English sample) under ``params``, with the validation scores of :data:`VALIDATION`."""
    return render_card(
        "B",
        info(["PER"], ["en"], {"source": "sample"}),
        ModelParams.read(params),
        declared_settings(params, "B"),
        VALIDATION,
        epochs_run,
        selection,
    )


def test_a_card_of_the_last_weights_says_so_and_names_no_kept_step():
    card = card_of(yaml.safe_load((REPO_ROOT / "params.yaml").read_text()), 2.0)
    assert "| keep | last |\n| eval_steps | 0 |\n| early_stopping_patience | 0 |\n\n## Validation results" in card
    assert "| seed | 42 |" in card and "Kept weights" not in card and "Training stopped" not in card
    assert "of the last evaluation during training, on the validation split." in card


def test_a_card_of_the_best_weights_names_the_kept_step_and_why_training_stopped():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["train"].update(keep="best", eval_steps=4, early_stopping_patience=3)
    selection = {"kept": "best", "kept_step": 8, "kept_f1": 2 / 3, "stopped": "early_stopping", "planned_steps": 40}
    card = card_of(params, 0.5, selection)
    assert "| keep | best |\n| eval_steps | 4 |\n| early_stopping_patience | 3 |" in card
    assert (
        "- Kept weights: those of the evaluation at optimizer step 8, the highest validation micro F1 (66.67%" in card
    )
    assert (
        "- Training stopped: early stopping, after 3 evaluations without a higher validation micro F1, before the 40 "
        in card
    )
    assert "of the evaluation kept (step 8) during training, on the validation split." in card
    card = card_of(params, 2.0, {**selection, "stopped": "epochs"})
    assert "- Training stopped: the planned epochs (40 optimizer steps)." in card
