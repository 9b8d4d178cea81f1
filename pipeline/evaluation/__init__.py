"""Scoring on test splits: every result's name and files, scoring a model with a chosen runtime, bootstrap
intervals, seen and unseen mentions and span-level error analysis."""
