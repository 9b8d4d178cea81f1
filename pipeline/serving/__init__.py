"""The HTTP server of ``python -m pipeline.serve``: requests and their limits, dynamic batching, the application."""
