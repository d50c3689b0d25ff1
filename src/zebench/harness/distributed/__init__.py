"""Batches run by Celery workers on any number of machines.

The submitter (``zebench batch --broker``) plans the matrix, ships the suite as
a content-addressed bundle, registers the batch with the results service and
publishes one task per run; workers (``zebench worker``) execute each run as
``zebench run`` would and deliver it to the results service, which the
submitter follows. A run's identity is derived from its matrix cell, so a task
delivered twice is stored once.
"""

from zebench.harness.distributed.task import TASK_NAME, RunTask, SuiteRef, run_id_for

__all__ = ["TASK_NAME", "RunTask", "SuiteRef", "run_id_for"]
