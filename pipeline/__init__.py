"""SpanMarker fine-tuning pipeline for MultiNERD: one module per DVC stage plus shared helpers."""
