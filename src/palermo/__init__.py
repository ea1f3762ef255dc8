"""Palermo: a workbench for investigating and prosecuting human trafficking."""

__version__ = "0.1.0"
