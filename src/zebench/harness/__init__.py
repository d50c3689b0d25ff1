"""The harness: one run (workspace, agent, validation, evaluation, scores) and batches of runs.

Modules: ``runner`` (one run), ``batch`` (the matrix, concurrency, resume), ``matrix``,
``scoring``, ``commands`` (scenario commands in their own process group), ``workspace``,
``diff``, ``summary``.
"""
