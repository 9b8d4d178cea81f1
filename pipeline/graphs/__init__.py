"""ONNX graphs of a trained model: export, int8 quantisation, the check against PyTorch, ONNX Runtime sessions."""
