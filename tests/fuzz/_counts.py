"""Instance counters of the fuzz suite: each fuzz test calls :func:`count` once per instance it checks, and
``tests/fuzz/conftest.py`` reports the totals at the end of the session (terminal summary and
``.mightnt/fuzz-counts.json``), so a campaign can say "N instances, 0 disagreements".

>>> count("example", 3); COUNTS.pop("example")
3
"""

from collections import Counter

#: Instances checked in this session, by test name.
COUNTS: Counter = Counter()


def count(name: str, n: int = 1) -> None:
    """Record that ``n`` more instances of the fuzz test ``name`` were checked."""
    COUNTS[name] += n
