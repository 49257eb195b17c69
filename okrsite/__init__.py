"""okrsite: a static site generator for published OKRs."""

__version__ = "0.1.0"
