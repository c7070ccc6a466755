"""Jupyter panels and bokeh charts over a running workbench session."""
