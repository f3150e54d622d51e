"""proofs_checks: the paper's claims (and the KL-estimator lab's) as checkable objects, the search-then-certify
pipeline, certificates, reports, and the ``mightnt`` command line; plus the hypothesis strategies claims draw
from.

>>> import proofs_checks
>>> proofs_checks.Claim, proofs_checks.check
(<class 'proofs_checks.claim.Claim'>, <function check at ...>)
"""

from . import strategies
from .claim import Claim, CheckResult, ClaimError, Evaluation, Part, certify, check

__all__ = ["Claim", "Part", "Evaluation", "CheckResult", "ClaimError", "check", "certify", "strategies"]
