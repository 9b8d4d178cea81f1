"""The model card (``README.md``) saved with each trained system: data, labels, settings and test scores."""

from __future__ import annotations

from typing import Any

from pipeline.params import train_params

INTENDED_USE = {
    "A": "named-entity recognition in English text over all 15 MultiNERD types",
    "B": "named-entity recognition in English text for persons, organisations, locations, diseases and animals",
}


def data_source(download: dict[str, Any]) -> str:
    if download["source"] == "hub":
        return f"`{download['hub_name']}` at revision `{download['hub_revision']}` (Hugging Face Hub)"
    if download["source"] == "local":
        return f"a local copy of MultiNERD in `{download['local_path']}`"
    return f"the embedded synthetic sample in `{download['sample_path']}` (a pipeline check, not MultiNERD)"


def render_card(system: str, params: dict[str, Any], labels: list[str], test_metrics: dict[str, Any],
                epochs_run: float) -> str:
    """Markdown model card with Hub metadata, stating what the model was trained on and how it scored."""
    types = params["systems"][system]["types"]
    download, model = params["download"], params["model"]
    datasets_line = f"datasets:\n- {download['hub_name']}\n" if download["source"] == "hub" else ""
    lines = [
        "---", "library_name: span-marker", "pipeline_tag: token-classification",
        "tags:\n- span-marker\n- token-classification\n- ner\n- named-entity-recognition",
        f"language:\n- {params['prepare']['language']}", "license: cc-by-nc-sa-4.0",
        datasets_line + "metrics:\n- precision\n- recall\n- f1", "---", "",
        f"# SpanMarker System {system}: MultiNERD ({params['prepare']['language']}), {len(types)} entity types", "",
        f"Intended use: {INTENDED_USE.get(system, 'named-entity recognition')}. Trained by this project's DVC "
        "pipeline; the test scores below come from the same run.", "",
        "## Data", "",
        f"- Source: {data_source(download)}; rows with `lang == '{params['prepare']['language']}'`.",
        f"- Entity types: {', '.join(types)}; every other MultiNERD tag is `O`.",
        f"- Labels (tag ids of the training data): {', '.join(f'{i} {label}' for i, label in enumerate(labels))}.",
        "", "## Training", "",
        f"- Starting model: `{model['name']}`" + (f" at revision `{model['revision']}`" if model.get("revision")
                                                  else "") + ".",
        f"- Max sequence length {model['model_max_length']} tokens, max entity length "
        f"{model['entity_max_length']} words, marker max length {model['marker_max_length']}.",
        f"- Epochs that ran: {epochs_run}.", "", "| Hyperparameter | Value |", "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in train_params(params, system).items()]
    lines += ["", "## Test results", "", "| Type | Precision | Recall | F1 | Support |", "|---|---:|---:|---:|---:|"]
    for key, score in sorted(test_metrics.items()):
        if isinstance(score, dict):
            lines.append(f"| {key[5:]} | {score['precision']:.4f} | {score['recall']:.4f} | {score['f1']:.4f} | "
                         f"{score['number']} |")
    lines.append(f"| **overall** | {test_metrics['test_overall_precision']:.4f} | "
                 f"{test_metrics['test_overall_recall']:.4f} | {test_metrics['test_overall_f1']:.4f} | |")
    lines += ["", "Entity-level micro scores from `seqeval` on the test split, predictions decoded as SpanMarker "
              "does (highest-scoring non-overlapping spans).", "", "## Usage", "", "```python",
              "from span_marker import SpanMarkerModel", "",
              f'model = SpanMarkerModel.from_pretrained("models/{system}")',
              'model.predict("Amelia Earhart flew her Lockheed Vega 5B across the Atlantic to Paris.")', "```", ""]
    return "\n".join(lines)
