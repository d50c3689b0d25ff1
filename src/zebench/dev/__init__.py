"""Developer tools: generated data for demos, tests and benchmarks."""
