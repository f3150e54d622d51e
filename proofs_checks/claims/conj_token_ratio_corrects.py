"""``conj-token-ratio-corrects``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-token-ratio-corrects.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from proofs_checks.claims.k1_reward_forward import make

CLAIM = make(ratio="token", id="conj-token-ratio-corrects", kind="conjecture")
