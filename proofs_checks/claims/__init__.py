"""One module per claim id (``-`` becomes ``_``); each defines ``CLAIM`` and, where a check has parameters a
test can falsify (a constant, a relation, a hypothesis), a ``make(**params)`` that builds variants."""
