"""conj-pinsker-quarter (false): trajectory TVD ≤ sqrt(KL/4).

Pinsker's constant 1/2 is sharp near KL = 0, so a quarter fails: already for one step with a deterministic π
against a fair β, TVD = 1/2 while sqrt(KL/4) = sqrt(ln 2)/2 ≈ 0.416. The check is :mod:`pinsker`'s with
the constant 1/4, expected to be refuted with a shrunk, certified counterexample.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from fractions import Fraction

from proofs_checks.claims.pinsker import make

CLAIM = make(Fraction(1, 4), id="conj-pinsker-quarter", kind="conjecture")
