"""``conj-k2-token-sum-forward``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-k2-token-sum-forward.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from proofs_checks.claims.k2_pathwise_forward import make

CLAIM = make(token_steps="all", id="conj-k2-token-sum-forward", kind="conjecture")
