"""The model card (``README.md``) saved with each trained system: data, labels, settings, validation scores.

The test scores are not in the card: the ``evaluate`` stage computes them, into ``reports/scores/<system>.json``
and the run's report, so that training never touches the test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huggingface_hub import ModelCardData

from pipeline.core.params import ModelParams, TrainParams
from pipeline.core.paths import MODELS_DIR, run_folder
from pipeline.tagging.metrics import HEADLINE_KEYS, OVERALL_KEYS


def percent(value: float) -> str:
    """``0.9528`` as ``95.28%``."""
    return f"{100 * value:.2f}%"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "") -> list[str]:
    """Lines of a Markdown table; ``align`` holds one character per column, ``r`` for right-aligned."""
    rule = ["---:" if a == "r" else "---" for a in align.ljust(len(header), "l")]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(rule) + "|",
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


def data_source(source: dict[str, Any]) -> str:
    """What the training data is, from ``data/raw/source.json`` (written by ``download``)."""
    if source["source"] == "hub":
        return f"`{source['dataset']}` at revision `{source['revision']}` (Hugging Face Hub)"
    if source["source"] == "local":
        return "a local copy of MultiNERD (`download.path`)"
    return "the embedded synthetic sample in `data/sample/` (a pipeline check, not MultiNERD)"


def starting_model(model: ModelParams) -> str:
    """The starting model with its revision and SpanMarker's three lengths, as one sentence."""
    revision = f" at revision `{model.revision}`" if model.revision else ""
    return (
        f"`{model.name}`{revision}; max sequence length {model.model_max_length} tokens, max entity length "
        f"{model.entity_max_length} words, marker max length {model.marker_max_length}"
    )


TYPE_NAMES = {
    "PER": "persons",
    "ORG": "organisations",
    "LOC": "locations",
    "ANIM": "animals",
    "BIO": "biological entities",
    "CEL": "celestial bodies",
    "DIS": "diseases",
    "EVE": "events",
    "FOOD": "foods",
    "INST": "instruments",
    "MEDIA": "media",
    "MYTH": "mythological entities",
    "PLANT": "plants",
    "TIME": "time expressions",
    "VEHI": "vehicles",
}
"""Plain names of MultiNERD's types, after the dataset's paper (Tedeschi and Navigli, Findings of NAACL 2022)."""


def hyperparameters(hp: TrainParams) -> list[list[Any]]:
    """``[name, value]`` rows of one run's settings (:meth:`TrainParams.for_run`), its one seed as ``seed``."""
    return [["seed", hp.seeds[0]] if name == "seeds" else [name, value] for name, value in hp.model_dump().items()]


def kept_lines(selection: dict[str, Any] | None, patience: int) -> list[str]:
    """The card's lines on the kept weights and the end of training, for ``train.keep: best`` (none otherwise);
    ``patience`` is ``train.early_stopping_patience``."""
    if selection is None:
        return []
    if selection["stopped"] == "early_stopping":
        stopped = (
            f"early stopping, after {patience} evaluations without a higher validation micro F1, before the "
            f"{selection['planned_steps']} planned optimizer steps"
        )
    else:
        stopped = f"the planned epochs ({selection['planned_steps']} optimizer steps)"
    return [
        f"- Kept weights: those of the evaluation at optimizer step {selection['kept_step']}, the highest validation "
        f"micro F1 ({percent(selection['kept_f1'])}; of equal scores, the earliest).",
        f"- Training stopped: {stopped}.",
    ]


def kept_evaluation(selection: dict[str, Any] | None) -> str:
    """Which evaluation the card's validation scores are: the last one, or the kept one of ``selection``."""
    return "last evaluation" if selection is None else f"evaluation kept (step {selection['kept_step']})"


def render_card(
    system: str,
    info: dict[str, Any],
    model: ModelParams,
    hp: TrainParams,
    validation: dict[str, float],
    epochs_run: float,
    selection: dict[str, Any] | None = None,
) -> str:
    """Markdown model card with its Hub metadata (front matter written by ``huggingface_hub``'s
    :class:`~huggingface_hub.ModelCardData`).

    ``info`` is the prepared data's ``labels.json`` (labels, types, languages, source); ``validation`` the kept
    evaluation's ``precision``/``recall``/``f1``/``accuracy`` on the validation split: the last one, or with
    ``selection`` (``train.keep: best``: :func:`pipeline.model.selection.selection_record`) the best one, whose
    step and the reason training stopped the card then states.
    """
    types, languages, source = info["types"], info["languages"], info["source"]
    codes = ", ".join(languages)
    type_names = ", ".join(TYPE_NAMES[t] for t in types)
    metadata = ModelCardData(
        library_name="span-marker",
        pipeline_tag="token-classification",
        tags=["span-marker", "token-classification", "ner", "named-entity-recognition"],
        language=list(languages),
        license="cc-by-nc-sa-4.0",
        datasets=[source["dataset"]] if source["source"] == "hub" else None,
        metrics=list(HEADLINE_KEYS),
    )
    lines = [
        "---",
        metadata.to_yaml(),
        "---",
        "",
        f"# SpanMarker System {system} (seed {hp.seeds[0]}): MultiNERD ({codes}), {len(types)} entity types",
        "",
        f"Intended use: named-entity recognition in {' and '.join(f'`{code}`' for code in languages)} text for "
        f"{type_names}. Trained by this "
        "project's DVC pipeline.",
        "",
        "## Data",
        "",
        f"- Source: {data_source(source)}; rows with `lang` in {codes}.",
        f"- Entity types: {', '.join(types)}; every other MultiNERD tag is `O`.",
        f"- Labels (tag ids of the training data): {', '.join(f'{i} {t}' for i, t in enumerate(info['labels']))}.",
        "",
        "## Training",
        "",
        f"- Starting model: {starting_model(model)}.",
        f"- Epochs that ran: {epochs_run}.",
        *kept_lines(selection, hp.early_stopping_patience),
        "",
        *table(["Hyperparameter", "Value"], hyperparameters(hp)),
        "",
        "## Validation results",
        "",
        *table(["Precision", "Recall", "F1", "Accuracy"], [[percent(validation[key]) for key in OVERALL_KEYS]], "rrrr"),
        "",
        f"Entity-level micro scores (`seqeval`) of the {kept_evaluation(selection)} during training, on the "
        "validation split. "
        "Test scores are computed by the pipeline's `evaluate` stage (`reports/scores/` and `reports/README.md`).",
        "",
        "## Usage",
        "",
        "```python",
        "from span_marker import SpanMarkerModel",
        "",
        f'model = SpanMarkerModel.from_pretrained("{(MODELS_DIR / run_folder(system, hp.seeds[0])).as_posix()}")',
        'model.predict("Amelia Earhart flew her Lockheed Vega 5B across the Atlantic to Paris.")',
        "```",
        "",
    ]
    return "\n".join(lines)
