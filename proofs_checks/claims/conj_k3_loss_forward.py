"""``conj-k3-loss-forward``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-k3-loss-forward.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from proofs_checks.claims.k3_pathwise_reverse import make

CLAIM = make(target_gradient="forward", id="conj-k3-loss-forward", kind="conjecture")
