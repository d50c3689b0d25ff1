"""A run's workspace seen from outside the agent: running commands in it (checks,
validation, oracle solutions), what changed in it, and the JUnit reports its tests
wrote. Shared by the harness and the
evaluators, so neither needs the other."""
