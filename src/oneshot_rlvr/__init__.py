"""oneshot-rlvr: a reproducible pipeline for 1-shot RLVR (Wang et al., 2025, arXiv 2504.20571)."""

__version__ = "0.1.0"
