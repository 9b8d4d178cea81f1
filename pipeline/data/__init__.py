"""MultiNERD data: loading, validation, words and BIO labels, prepared splits, oversampling."""
