"""Readers of NER data sets: MultiNERD from the sample, a local copy or the Hub, and external test sets (CoNLL files,
Hub datasets) with their tags mapped onto MultiNERD's."""
