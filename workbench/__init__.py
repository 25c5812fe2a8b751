"""workbench: a keyboard-driven terminal annotation workbench for news articles."""

__version__ = "0.1.0"
