"""Scores that other models publish, shown in the report and figures beside this run's for orientation: never
results of this run, nor like-for-like comparisons with them."""

from __future__ import annotations

MBERT_LANGUAGE_F1 = {
    "de": 94.76,
    "en": 95.18,
    "es": 91.53,
    "fr": 91.92,
    "it": 92.59,
    "nl": 93.27,
    "pl": 92.66,
    "pt": 92.86,
    "ru": 93.39,
    "zh": 87.02,
    "overall": 92.48,
}
"""Test micro F1 (percent) of ``tomaarsen/span-marker-mbert-base-multinerd`` on the test split of each MultiNERD
language, and over all ten (``overall``), as published on its model card on the Hugging Face Hub: mBERT
(``bert-base-multilingual-cased``) fine-tuned with SpanMarker on all ten MultiNERD languages and all 15 types. The
real run starts from this checkpoint (``params.full.yaml``); the report's *Languages* table and the languages
figure show these figures beside each language's F1."""
