"""The model card (``README.md``) saved with each trained system: data, labels, settings, validation scores.

The test scores are not in the card: the ``evaluate`` stage computes them, into ``reports/scores/<system>.json``
and the run's report, so that training never touches the test split.
"""

from __future__ import annotations

from typing import Any

from huggingface_hub import ModelCardData

from pipeline.reporting.markdown import data_source, percent, starting_model, table
from pipeline.core.params import ModelParams, TrainParams

TYPE_NAMES = {"PER": "persons", "ORG": "organisations", "LOC": "locations", "ANIM": "animals",
              "BIO": "biological entities", "CEL": "celestial bodies", "DIS": "diseases", "EVE": "events",
              "FOOD": "foods", "INST": "instruments", "MEDIA": "media", "MYTH": "mythological entities",
              "PLANT": "plants", "TIME": "time expressions", "VEHI": "vehicles"}
"""Plain names of MultiNERD's types, after the dataset's paper (Tedeschi and Navigli, Findings of NAACL 2022)."""


def render_card(system: str, info: dict[str, Any], model: ModelParams, hp: TrainParams,
                validation: dict[str, float], epochs_run: float) -> str:
    """Markdown model card with its Hub metadata (front matter written by ``huggingface_hub``'s
    :class:`~huggingface_hub.ModelCardData`).

    ``info`` is the prepared data's ``labels.json`` (labels, types, languages, source); ``validation`` the last
    evaluation's ``precision``/``recall``/``f1``/``accuracy`` on the validation split.
    """
    types, languages, source = info["types"], info["languages"], info["source"]
    codes = ", ".join(languages)
    type_names = ", ".join(TYPE_NAMES[t] for t in types)
    metadata = ModelCardData(library_name="span-marker", pipeline_tag="token-classification",
                             tags=["span-marker", "token-classification", "ner", "named-entity-recognition"],
                             language=list(languages), license="cc-by-nc-sa-4.0",
                             datasets=[source["dataset"]] if source["source"] == "hub" else None,
                             metrics=["precision", "recall", "f1"])
    lines = [
        "---", metadata.to_yaml(), "---", "",
        f"# SpanMarker System {system}: MultiNERD ({codes}), {len(types)} entity types", "",
        f"Intended use: named-entity recognition in {' and '.join(f'`{code}`' for code in languages)} text for "
        f"{type_names}. Trained by this "
        "project's DVC pipeline.", "",
        "## Data", "",
        f"- Source: {data_source(source)}; rows with `lang` in {codes}.",
        f"- Entity types: {', '.join(types)}; every other MultiNERD tag is `O`.",
        f"- Labels (tag ids of the training data): {', '.join(f'{i} {t}' for i, t in enumerate(info['labels']))}.",
        "", "## Training", "",
        f"- Starting model: {starting_model(model)}.",
        f"- Epochs that ran: {epochs_run}.", "",
        *table(["Hyperparameter", "Value"], list(hp.model_dump().items())),
        "", "## Validation results", "",
        *table(["Precision", "Recall", "F1", "Accuracy"],
               [[percent(validation[key]) for key in ("precision", "recall", "f1", "accuracy")]], "rrrr"),
        "", "Entity-level micro scores (`seqeval`) of the last evaluation during training, on the validation split. "
        "Test scores are computed by the pipeline's `evaluate` stage (`reports/scores/` and `reports/README.md`).",
        "", "## Usage", "", "```python", "from span_marker import SpanMarkerModel", "",
        f'model = SpanMarkerModel.from_pretrained("models/{system}")',
        'model.predict("Amelia Earhart flew her Lockheed Vega 5B across the Atlantic to Paris.")', "```", ""]
    return "\n".join(lines)
