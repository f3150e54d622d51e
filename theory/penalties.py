"""Where the practical KL penalties lead: the policy the expected gradient of ``V − c·penalty`` comes to rest at.

RL fine-tuning penalizes a sampled estimate of the KL (:mod:`theory.estimators`: k1, k2, k3 or the full
per-step KL, in the reward, in the loss, or both), not the KL itself. :func:`practical_fixed_point` answers what
that optimizes: for a tabular softmax policy (one logit vector per history, the policy class of the paper's
regularized optimum) it returns the point at which the expected gradient of ``V − c·penalty`` vanishes, found
from the reference by the gradient flow, or the boundary point the flow runs to when it leaves every interior
point.

The expected gradient at a history h depends only on π(·|h) and on what follows h, so the fixed point is solved
by backward induction over the history tree. At each node, with r = base(·|h), p = π(·|h), ℓ_a = ln p_a − ln r_a,
the gradient is that of the local objective

    f(p) = Σ_a p_a (Q_a − c·χ·F_a) − c·Φ(p; r)

over the simplex, where Q_a = E_o[step reward + V(child)] is the utility to go, F_a = E_o[Pen(child)] the expected
estimate of the later tokens under the fixed-point policy, χ = 1 when the estimate is in the reward (rewards to
go carry the later tokens' estimates) and 0 in the loss, and Φ the potential of the estimator × placement (KL =
Σ p ℓ, KLrev = Σ r ln(r/p), since pathwise ``E_p[∇k1] = 0``, ``E_p[∇k2] = ∇KL``, ``E_p[∇k3] = ∇KLrev`` and
the score function ``E_p[k·s] = ∇E_p[k] − E_p[∇k]``):

======  =========  ==================  ==========
        loss       reward              both
======  =========  ==================  ==========
k1      0          KL                  KL
k2      KL         E_p[ℓ²/2] − KL      E_p[ℓ²/2]
k3      KLrev      KL − KLrev          KL
full    KL         0                   KL
======  =========  ==================  ==========

Then ``Pen(h) = Σ_a p_a (k_a + F_a)`` (k_a the estimator's value at action a; full: KL(p‖r) for every a) and
``V(h) = Σ_a p_a Q_a``. k1 in the reward or both, k3 both and full both give the paper's KL-regularized optimum
(Gibbs: ``p ∝ r·exp((Q − c·F)/c)``, :func:`theory.kl_regularized_policy` at temperature c); k2 and full in the
loss give Gibbs with the utility alone (``p ∝ r·exp(Q/c)``: the later tokens' KL is not charged); k3 in the loss
the reverse-KL optimum ``p_a = c·r_a / (c + V − Q_a)``. k1 in the loss has no regularizing gradient at all (the
limit is greedy); k3 in the reward drives to 0 every action π comes to sample rarely (its score term at action b
tends to ``c·r_b`` as ``p_b → 0``): the flow leaves every interior point.

The flow is the natural-gradient flow (each node's logits move along ``d_a = G_a − E_p[G]``, G the partial
derivatives of f in p: the Fisher-preconditioned gradient, the continuous limit of the trust-region updates that
PPO's clipping approximates). Its stationary points are the plain gradient's (``p_a·d_a``); where the flow leaves
the interior, the face it ends on can depend on the preconditioner (docs/estimators.md shows a case).

Float only: the stationary equations are transcendental (they mix ``p_a`` with ``ln p_a`` and ``r_a/p_a``), so
their solutions are neither rationals nor linear forms in logarithms, the exact context's numbers, and have no
closed form outside the Gibbs and reverse-KL cases; the fixed point is computed in float and checked against the
exact engine's gradients (:func:`tabular_softmax`).

>>> import theory
>>> base = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
>>> env, u = theory.sequence_environment(2), theory.MeanReward([[0], [1]])
>>> fp = theory.practical_fixed_point(base, env, u, 1, 1, estimator="k3", placement="loss")
>>> fp.policy.probs().round(6), fp.converged, fp.boundary   # p_b = c·r_b / (c + V − Q_b): here V = p_1 = 1/√2
(array([0.292893, 0.707107]), True, False)
>>> theory.practical_fixed_point(base, env, u, 1, 1, estimator="k1", placement="loss").policy.probs()
array([0., 1.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arith import get_context
from .errors import ProbabilityError
from .estimators import ESTIMATORS, PLACEMENTS, SoftmaxPolicy
from .kernels import Environment, Policy
from .optimize import TreePolicy, _Problem
from .validation import guard_size, integer, option, real, require_instance

__all__ = ["FixedPoint", "POTENTIALS", "practical_fixed_point", "tabular_softmax"]

#: Φ of each (estimator, placement) as weights of (KL, KLrev, E_p[ℓ²/2]).
POTENTIALS = {
    ("k1", "loss"): (0, 0, 0),
    ("k1", "reward"): (1, 0, 0),
    ("k1", "both"): (1, 0, 0),
    ("k2", "loss"): (1, 0, 0),
    ("k2", "reward"): (-1, 0, 1),
    ("k2", "both"): (0, 0, 1),
    ("k3", "loss"): (0, 1, 0),
    ("k3", "reward"): (1, -1, 0),
    ("k3", "both"): (1, 0, 0),
    ("full", "loss"): (1, 0, 0),
    ("full", "reward"): (0, 0, 0),
    ("full", "both"): (1, 0, 0),
}

#: An action whose logit falls this far (nats) below the node's largest, with the ascent still pushing it down,
#: is on its way to probability 0: the flow's limit gives it 0 exactly (the node is on the boundary). An
#: interior fixed point whose probabilities span more than e^500 is reported on the boundary too.
LOGIT_CAP = 500.0
#: Iterations per level of the ascent, at most.
MAX_ITERATIONS = 5_000
#: A node switches from natural-gradient steps to Newton steps when its Hessian is negative definite and the
#: Newton step moves no logit by more than this (it is then in the basin of the maximum the flow is heading to).
NEWTON_RADIUS = 1.0
#: Curvatures below this (in natural coordinates, relative to the utilities' scale) count as this in the Newton
#: step.
NEWTON_FLOOR = 1e-10
#: Where the natural gradient is this small (relative to the node's utilities), Newton steps are taken even
#: where f does not curve down in every direction (the saddle-free step).
NEAR = 1e-2
#: How far (in logits) a node at a saddle of its local objective is moved along the direction in which it rises.
ESCAPE = 1e-2
#: A stationary point is a saddle when the largest curvature of f across the simplex (in natural coordinates)
#: exceeds this, relative to the utilities' scale; a node leaves at most MAX_ESCAPES saddles.
SADDLE, MAX_ESCAPES = 1e-6, 4
_ARMIJO = 1e-4
#: The most histories :func:`tabular_softmax` enumerates.
MAX_TABULAR_STATES = 100_000


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """The policy a practical KL penalty converges to (:func:`practical_fixed_point`), with what it achieves.

    * ``policy`` — a :class:`~theory.TreePolicy` (the base off the solved tree);
    * ``value`` — its expected utility V;
    * ``kl_spent`` — KL(π‖base) over the horizon, from the engine's forward pass (float);
    * ``penalty`` — the expected estimate of the estimator under π (the sum over tokens of the estimator's
      expectation), at a boundary point its limit along the flow (k3's vanishing actions still contribute their
      reference probability: ``p·k3 → r`` as ``p → 0``, so k3's expectation stays the KL);
    * ``coefficient``, ``estimator``, ``placement`` — as given;
    * ``converged`` — every node's ascent met the tolerance (the stationarity of its local objective, on the
      face the flow ended on);
    * ``boundary`` — at some history the flow left every interior point: some action's probability went to 0.

    >>> import theory
    >>> fp = theory.practical_fixed_point(theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.sequence_environment(2),
    ...                                   theory.MeanReward([[0], [1]]), 1, 1, estimator="k1", placement="reward")
    >>> fp
    FixedPoint(k1 in the reward, c=1: value=0.731059, kl_spent=0.110944, penalty=0.110944, converged=True, boundary=False)
    """

    policy: TreePolicy
    value: float
    kl_spent: float
    penalty: float
    coefficient: float
    estimator: str
    placement: str
    converged: bool
    boundary: bool

    def __repr__(self) -> str:
        where = {"loss": "in the loss", "reward": "in the reward", "both": "in both"}[self.placement]
        return (
            f"FixedPoint({self.estimator} {where}, c={self.coefficient:g}: value={self.value:.6g}, "
            f"kl_spent={self.kl_spent:.6g}, penalty={self.penalty:.6g}, converged={self.converged}, "
            f"boundary={self.boundary})"
        )


# ---------------------------------------------------------------------------------------------------------------
# One level of nodes at once
# ---------------------------------------------------------------------------------------------------------------
class _Node:
    """The local problem of every node of a level: r (N, A), the linear term qt = Q − c·χ·F (N, A), c and Φ's
    weights. Inactive actions (r = 0, or dropped at the boundary) have logit −inf and probability 0."""

    def __init__(self, r: np.ndarray, qt: np.ndarray, c: float, weights: tuple):
        self.r, self.qt, self.c, self.w = r, qt, c, weights
        with np.errstate(divide="ignore"):
            self.log_r = np.log(r)

    def take(self, idx) -> "_Node":
        return _Node(self.r[idx], self.qt[idx], self.c, self.w)

    def state(self, theta: np.ndarray, active: np.ndarray) -> dict:
        """At logits ``theta``: p, ℓ (0 where inactive), the objective f, the natural gradient
        ``d_a = Σ_b p_b (G_a − G_b)`` (G = ∂f/∂p; 0 where inactive), its Fisher norm ``gn = Σ p d²``, and the
        curvature ``s_a = p_a²·∂²f/∂p_a²`` (Φ is separable in the actions)."""
        top = np.max(np.where(active, theta, -np.inf), axis=1, keepdims=True)
        z = np.where(active, theta - top, -np.inf)
        log_p = np.where(active, z - np.log(np.exp(z).sum(axis=1, keepdims=True)), 0.0)
        p = np.where(active, np.exp(log_p), 0.0)
        ell = np.where(active, log_p - np.where(active, self.log_r, 0.0), 0.0)
        r = np.where(active, self.r, 0.0)
        w_kl, w_rev, w_sq = self.w
        phi, dphi, curv = np.zeros(len(p)), np.zeros(p.shape), np.zeros(p.shape)
        if w_kl:
            phi += w_kl * (p * ell).sum(axis=1)
            dphi += w_kl * (ell + 1)
            curv += w_kl * p
        if w_rev:
            phi += w_rev * -(r * ell).sum(axis=1)
            dphi += w_rev * -np.exp(-ell)  # ∂/∂p_b Σ r ln(r/p) = −r_b/p_b
            curv += w_rev * r
        if w_sq:
            phi += w_sq * (p * ell * ell / 2).sum(axis=1)
            dphi += w_sq * (ell * ell / 2 + ell)
            curv += w_sq * (ell + 1) * p
        f = (p * self.qt).sum(axis=1) - self.c * phi
        grad = np.where(active, self.qt - self.c * dphi, 0.0)
        # d_a = Σ_b p_b (G_a − G_b), summed pairwise: no cancellation when one action holds almost all the mass.
        d = np.where(active, (p[:, None, :] * (grad[:, :, None] - grad[:, None, :])).sum(axis=2), 0.0)
        return {"p": p, "ell": ell, "f": f, "G": grad, "d": d, "gn": (p * d * d).sum(axis=1), "s": -self.c * curv}

    def gain(self, st: dict, theta: np.ndarray, trial: np.ndarray, active: np.ndarray):
        """``f(trial) − f(theta)`` and a bound on its rounding error, from the logits' differences (expm1, log1p):
        accurate however small the change, where the difference of the two values of f would be rounding."""
        p, ell = st["p"], st["ell"]
        step = np.where(active, trial - np.where(active, theta, 0.0), 0.0)
        # The change of log Σ_a e^θ_a: by log1p for small steps (no cancellation), by logsumexp for large ones.
        high = np.max(np.where(active, step, -np.inf), axis=1, keepdims=True)
        small = high <= 1
        with np.errstate(over="ignore", divide="ignore"):
            near = np.log1p((p * np.expm1(np.where(small, step, 0.0))).sum(axis=1, keepdims=True))
            far = high + np.log((p * np.exp(np.where(active, step - high, -np.inf))).sum(axis=1, keepdims=True))
        dlse = np.where(small, near, far)
        dlog = np.where(active, step - dlse, 0.0)
        dp = p * np.expm1(dlog)
        ell2 = ell + dlog
        terms = [dp * self.qt]
        w_kl, w_rev, w_sq = self.w
        if w_kl:
            terms += [-self.c * w_kl * dp * ell2, -self.c * w_kl * p * dlog]
        if w_rev:
            terms += [self.c * w_rev * np.where(active, self.r, 0.0) * dlog]
        if w_sq:
            terms += [-self.c * w_sq * dp * ell2 * ell2 / 2, -self.c * w_sq * p * dlog * (ell2 + ell) / 2]
        total = sum(t.sum(axis=1) for t in terms)
        eps = np.finfo(float).eps
        # Rounding: of the sums, and of each dlog (a difference of two numbers of the size of the step), which
        # moves f by about p_a·G_a per unit.
        size = sum(np.abs(t).sum(axis=1) for t in terms)
        moved = (p * np.abs(st["G"]) * (np.abs(step) + np.abs(dlse))).sum(axis=1)
        return total, 16 * eps * (size + moved)

    def curvature(self, st: dict, active: np.ndarray):
        """The Hessian of f in the logits, ``H = Jᵀ diag(∂²f/∂p²) J + Σ_a G_a ∇²p_a`` (J = diag(p) − p pᵀ; written
        with d and s), taken in natural coordinates ``y_a = √p_a·θ_a`` (where the mirror step is a gradient step:
        the curvature of an action stays of the order of the utilities however small its probability), and from it
        the saddle-free Newton step in the logits, ``D^{-1/2} |H̃|⁻¹ D^{-1/2} g`` (Newton's where f curves down, an
        ascent step elsewhere), whether H̃ is negative definite across the simplex, its largest eigenvalue there
        and the logit direction of its eigenvector (``None`` for the inactive actions and the all-ones direction,
        softmax's invariance, which get a negative curvature of their own)."""
        p, d, s = st["p"], st["d"], st["s"]
        k = p.shape[1]
        eye = np.eye(k)
        centred = eye[None] - p[:, None, :]  # (δ_ab − p_b) indexed [n, a, b]
        hess = np.einsum("na,nab,nac->nbc", s, centred, centred)
        hess += eye[None] * (p * d)[:, None, :] - p[:, :, None] * p[:, None, :] * (d[:, :, None] + d[:, None, :])
        root = np.sqrt(np.where(active, p, 1.0))
        scaled = hess / (root[:, :, None] * root[:, None, :])
        mask = active[:, :, None] & active[:, None, :]
        scaled = np.where(mask, scaled, 0.0)
        unit = self.c + 1.0 + np.max(np.abs(np.where(active, self.qt, 0.0)), axis=1)  # the utilities' scale
        q = np.where(active, root, 0.0)  # √p: H̃'s null vector (the all-ones direction of the logits)
        scaled -= (eye[None] * (~active)[:, :, None] + q[:, :, None] * q[:, None, :]) * unit[:, None, None]
        finite = np.asarray(np.isfinite(scaled).all(axis=(1, 2)), dtype=bool)
        scaled = np.where(finite[:, None, None], scaled, -eye[None])
        eig, vec = np.linalg.eigh(scaled)
        g = np.where(active & finite[:, None], root * d, 0.0)
        floor = NEWTON_FLOOR * unit[:, None]
        coef = np.einsum("nab,na->nb", vec, g) / np.maximum(np.abs(eig), floor)
        step = np.where(active, np.einsum("nab,nb->na", vec, coef) / root, 0.0)
        top = np.where(finite, eig[:, -1], -unit)
        definite = finite & (top < -floor[:, 0])
        rising = np.where(active, vec[:, :, -1] / root, 0.0)
        return step, definite, top / unit, rising

    def solve(self, tolerance: float, max_iterations: int):
        """Ascent from the reference's logits, every node at once: natural-gradient (mirror) steps ``θ += η·d``
        with a step size per node (doubled after an accepted step, halved after a rejected one), and Newton steps
        (halved until accepted; :meth:`curvature`) once the Newton step is shorter than :data:`NEWTON_RADIUS` and
        either f curves down in every direction or the natural gradient is below :data:`NEAR` (a stationary
        point's neighbourhood). A step is accepted when f increases beyond its rounding (Armijo), or, below
        rounding (:meth:`gain`), when the natural gradient's norm decreases.

        * A node near a stationary point where f still curves up in some direction (a saddle: the flow reaches
          one only from a symmetric start, such as equal logits for actions that are equally good) is moved
          :data:`ESCAPE` along that direction and goes on: the limit is the one a generic start reaches.
        * An action whose logit is :data:`LOGIT_CAP` below the node's largest while ``d`` still pushes it down is
          dropped (probability 0: the node is on the boundary).

        Returns (p, converged (N,), boundary (N,))."""
        n = len(self.r)
        active = self.r > 0
        theta = np.where(active, self.log_r, -np.inf)
        eta0 = 1.0 / self.c if self.c > 0 else 1.0
        eta, damp = np.full(n, eta0), np.ones(n)
        tol = tolerance * (1.0 + np.max(np.abs(np.where(active, self.qt, 0.0)), axis=1))
        done, boundary, stuck = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        escapes = np.zeros(n, dtype=np.int64)
        st = self.state(theta, active)
        for iteration in range(max_iterations + 1):
            live = np.nonzero(~done & ~stuck)[0]
            if not len(live):
                break
            # The flow leaves the interior where a logit is LOGIT_CAP below the top and still pushed down.
            top_all = np.max(np.where(active[live], theta[live], -np.inf), axis=1, keepdims=True)
            drop = active[live] & (theta[live] <= top_all - LOGIT_CAP) & (st["d"][live] < -tol[live, None])
            if drop.any():
                which = drop.any(axis=1)
                rows = live[which]
                act_rows = active[rows]
                act_rows[drop[which]] = False
                active[rows] = act_rows
                theta[rows] = np.where(act_rows, theta[rows], -np.inf)
                boundary[rows] = True
                eta[rows], damp[rows] = eta0, 1.0
                fresh = self.take(rows).state(theta[rows], active[rows])
                for key in st:
                    st[key][rows] = fresh[key]
            sub, act = self.take(live), active[live]
            cur = {key: value[live] for key, value in st.items()}
            step, definite, top, vec = sub.curvature(cur, act)
            slope_d = np.max(np.abs(cur["d"]), axis=1)
            # A saddle: f rises along some direction by more than rounding-level curvature; each node leaves at most
            # MAX_ESCAPES of them (a flow that comes back is at a stationary point for all practical purposes).
            saddle = (top > SADDLE) & (escapes[live] < MAX_ESCAPES)
            done[live[(slope_d <= tol[live]) & ~saddle]] = True
            escape = saddle & (slope_d <= 1e-6 * tol[live] / tolerance)
            if iteration == max_iterations:
                break
            if escape.any():
                # Along the rising direction, signed so that its largest component is positive (deterministic).
                v = np.where(act, vec, 0.0)[escape]
                big = np.argmax(np.abs(v), axis=1)
                v *= np.sign(v[np.arange(len(v)), big])[:, None] / np.abs(v).max(axis=1, keepdims=True)
                rows = live[escape]
                escapes[rows] += 1
                theta[rows] = np.where(active[rows], theta[rows] + ESCAPE * v, -np.inf)
                eta[rows], damp[rows] = eta0, 1.0
                fresh = self.take(rows).state(theta[rows], active[rows])
                for key in st:
                    st[key][rows] = fresh[key]
            move = ~escape & ~((slope_d <= tol[live]) & ~saddle)
            if not move.any():
                continue
            near = slope_d <= NEAR * tol[live] / tolerance
            live, sub, act, step = live[move], sub.take(move), act[move], step[move]
            definite, near = definite[move], near[move]
            cur = {key: value[move] for key, value in cur.items()}
            basin = (definite | near) & (np.max(np.abs(step), axis=1) <= NEWTON_RADIUS)
            direction = np.where(basin[:, None], damp[live, None] * step, eta[live, None] * cur["d"])
            slope = np.where(basin, damp[live] * (cur["p"] * cur["d"] * step).sum(axis=1), eta[live] * cur["gn"])
            trial = np.where(act, theta[live] + direction, -np.inf)
            highest = np.max(trial, axis=1, keepdims=True)
            trial = np.where(act, np.maximum(trial, highest - LOGIT_CAP - 1), -np.inf)
            new = sub.state(trial, act)
            # Accepted: a resolved increase of f (Armijo), or, where f's change is below its rounding, a smaller
            # natural gradient.
            gain, slack = sub.gain(cur, theta[live], trial, act)
            ok = ((gain > slack) & (gain >= _ARMIJO * slope)) | ((gain >= -slack) & (new["gn"] < cur["gn"]))
            acc = live[ok]
            theta[acc] = trial[ok]
            for key in st:
                st[key][acc] = new[key][ok]
            eta[acc] = np.where(basin[ok], eta[acc], np.minimum(eta[acc] * 2, 1e300))
            damp[acc] = 1.0
            rej, rej_basin = live[~ok], basin[~ok]
            damp[rej[rej_basin]] /= 2
            eta[rej[~rej_basin]] /= 2
            stuck[rej] |= (eta[rej] < 1e-300) | (damp[rej] < 1e-30)
        return st["p"], done, boundary


def _token_values(estimator: str, p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Per (node, action): ``p_a·k_a``, the action's share of the estimator's expectation at the node. Where the flow
    drove an action's probability to 0 (the base's is positive) the share is its limit along the flow: 0 for k1,
    k2 and full, ``r_a`` for k3 (``p·(r/p − 1 − ln(r/p)) → r``)."""
    sampled = p > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ell = np.where(sampled, np.log(np.where(sampled, p, 1.0)) - np.log(np.where(sampled, r, 1.0)), 0.0)
        if estimator == "k1":
            k = ell
        elif estimator == "k2":
            k = ell * ell / 2
        elif estimator == "k3":
            k = np.exp(-ell) - 1 + ell
        else:
            k = np.repeat((p * ell).sum(axis=1, keepdims=True), p.shape[1], axis=1)
    vanished = r if estimator == "k3" else np.zeros(r.shape)
    return np.where(sampled, p * k, np.where(r > 0, vanished, 0.0))


def _children_mean(problem: _Problem, d: int, values: np.ndarray) -> np.ndarray:
    """Per (node, action) of level d: E_o[values(child)] (0 where the child was not expanded)."""
    idx = problem.dt.child[d][:, 0]
    cont = np.zeros(idx.shape)
    ok = idx >= 0
    cont[ok] = values[idx[ok]]
    return (problem.dt.levels[d].data["env"] * cont).sum(axis=2)


# ---------------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------------
def practical_fixed_point(
    base,
    env,
    utility,
    horizon,
    coefficient,
    history=(),
    *,
    estimator: str,
    placement: str,
    max_nodes: int | None = None,
    tolerance: float = 1e-12,
) -> FixedPoint:
    """The tabular softmax policy at which the expected gradient of ``V − coefficient·penalty`` vanishes, the
    penalty being the per-token ``estimator`` of KL(π‖base) in the ``placement`` (module docstring), started from
    the base's own logits as fine-tuning is; or the boundary point the gradient flow runs to.

    Backward induction over the merged history tree of (base, env) (as :func:`theory.kl_regularized_policy`'s;
    merged histories have the same future, hence the same fixed point): every node of a level is solved at once
    by natural-gradient (mirror) ascent on its local objective from the base's logits — the direction
    ``d_a = G_a − E_p[G]`` (G the objective's partial derivatives in p), whose zeros are the plain gradient's
    (``p_a·d_a``) but which does not vanish as an action's probability goes to 0, so the boundary limits are
    reached; the KL-type potentials converge in one step (size 1/c: Gibbs) — finished by Newton steps near the
    limit. An action whose logit falls :data:`LOGIT_CAP` nats below the node's largest while the ascent still
    pushes it down gets probability 0 (``boundary=True``); a saddle of a node's objective (reached only from a
    symmetric start) is left along its rising direction. ``converged`` says every node met
    ``|d_a| ≤ tolerance·(1 + max|Q|)`` on its active actions. Actions the base never takes keep probability 0
    (every estimate is infinite there). A base that abstains is refused (the estimators compare full
    distributions); ``coefficient`` must be ≥ 0 (0: greedy).

    >>> import theory
    >>> base = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> env, u = theory.sequence_environment(2), theory.MeanReward([[0], [1]])
    >>> paper = theory.kl_regularized_policy(base, env, u, 2, 0.5).policy
    >>> fp = theory.practical_fixed_point(base, env, u, 2, 0.5, estimator="k3", placement="both")
    >>> bool(abs(fp.policy.probs(((1, 0),)) - paper.probs(((1, 0),))).max() < 1e-12)
    True
    >>> theory.practical_fixed_point(base, env, u, 1, 1, estimator="k3", placement="reward").boundary
    True
    >>> theory.practical_fixed_point(base, env, u, 1, -1, estimator="k1", placement="reward")
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: coefficient -1 must be at least 0
    """
    option(estimator, name="estimator", choices=ESTIMATORS)
    option(placement, name="placement", choices=PLACEMENTS)
    c = float(real(coefficient, name="coefficient", minimum=0))
    tol = float(real(tolerance, name="tolerance", minimum=0, open_minimum=True))
    require_instance(base, Policy, name="base", what="theory.Policy (the reference π_ref)")
    if base.semi:
        raise ProbabilityError(
            f"the base {base!r} abstains; the KL estimators compare full distributions (k3's r − 1 − ln r is "
            "unbiased only when the reference sums to 1)"
        )
    ctx = get_context("float")
    with ctx.scope():
        problem = _Problem(base, env, utility, horizon, history, ctx, None, max_nodes=max_nodes)
        weights = POTENTIALS[(estimator, placement)]
        chi = 0.0 if placement == "loss" else 1.0
        value_next, pen_next = np.asarray(problem.leaf, dtype=float), np.zeros(len(problem.leaf))
        own: list = [None] * problem.m
        converged, boundary = True, False
        for d in range(problem.m - 1, -1, -1):
            level = problem.dt.levels[d]
            r = np.asarray(level.data["beta"], dtype=float)
            q = np.asarray(problem.continuation(d, value_next)[:, 0], dtype=float)
            future = _children_mean(problem, d, pen_next)
            p, done, edge = _Node(r, q - c * chi * future, c, weights).solve(tol, MAX_ITERATIONS)
            converged &= bool(done.all())
            boundary |= bool(edge.any())
            own[d] = p
            pen_next = (_token_values(estimator, p, r) + p * future).sum(axis=1)
            value_next = (p * q).sum(axis=1)
        penalty = float(pen_next[0]) if problem.m else 0.0
        kl_spent, value = problem.spend(own, None)
        return FixedPoint(
            policy=problem.tree_policy(own, None),
            value=float(value),
            kl_spent=float(kl_spent),
            penalty=penalty,
            coefficient=c,
            estimator=estimator,
            placement=placement,
            converged=converged,
            boundary=boundary,
        )


def tabular_softmax(policy, env, horizon, *, max_states: int = MAX_TABULAR_STATES) -> SoftmaxPolicy:
    """``policy`` up to ``horizon`` steps from the empty history as a :class:`~theory.SoftmaxPolicy` with one
    state per history (every history ``env`` can produce, all actions; histories at the horizon, and observations
    ``env`` never gives, lead back to state 0, never visited within the horizon). Its logits are then one vector
    per history: the parameters in which :func:`practical_fixed_point` is a fixed point, so the exact engine's
    :func:`~theory.value_gradient` and :func:`~theory.estimator_moments` check it. Every probability must be
    positive (a softmax policy's are); float. Beyond ``max_states`` histories it is refused (ResourceLimitError).

    >>> import theory
    >>> pi = theory.FiniteStatePolicy.iid([0.25, 0.75])
    >>> soft = tabular_softmax(pi, theory.sequence_environment(2), 2)
    >>> soft.n_states, soft.probs(((1, 0),))
    (3, array([0.25, 0.75]))
    """
    require_instance(policy, Policy, name="policy", what="theory.Policy")
    require_instance(env, Environment, name="env", what="theory.Environment")
    m = integer(horizon, name="horizon", minimum=0)
    limit = integer(max_states, name="max_states", minimum=1)
    # One state per history, enumerated one by one (a checking tool for small worlds): refused beyond the limit.
    count, level = 0, 1
    for _ in range(m):
        count, level = count + level, level * policy.n_actions * env.n_observations
        if count > limit:
            break
    guard_size(count, limit=limit, what="histories (one softmax state each)", option="max_states")
    n_a, n_o = policy.n_actions, env.n_observations
    rows: list = []
    transition: list = []
    frontier: list = [()]
    count = 1  # histories numbered breadth first: row i is the row of the i-th history
    for depth in range(max(m, 1)):
        nxt = []
        for h in frontier:
            rows.append(np.asarray(policy.probs(h), dtype=float))
            table = np.zeros((n_a, n_o), dtype=np.int64)
            if depth + 1 < m:
                for a in range(n_a):
                    obs = np.asarray(env.probs(h, a), dtype=float)
                    for o in np.nonzero(obs > 0)[0]:
                        table[a, o] = count
                        count += 1
                        nxt.append(h + ((a, int(o)),))
            transition.append(table)
        frontier = nxt
    return SoftmaxPolicy(np.array(rows), np.array(transition))
