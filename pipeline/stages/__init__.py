"""The pipeline's DVC stages, one module each, named as the stage in ``dvc.yaml``."""
