"""The SpanMarker model: building, devices, batching, training, saving and inference."""
