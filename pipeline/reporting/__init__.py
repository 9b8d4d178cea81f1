"""Figures and prose: matplotlib figures, Markdown tables, model cards."""
