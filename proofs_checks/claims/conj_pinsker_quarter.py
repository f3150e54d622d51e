"""``conj-pinsker-quarter``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-pinsker-quarter.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from fractions import Fraction

from proofs_checks.claims.pinsker import make

CLAIM = make(Fraction(1, 4), id="conj-pinsker-quarter", kind="conjecture")
