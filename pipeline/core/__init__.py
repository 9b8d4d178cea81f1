"""Paths, parameters, errors, atomic writes and the stages' common entry point."""
