"""ze-benchmarks: benchmark AI coding agents and LLMs, and publish what the results say."""

__version__ = "0.1.0"
