"""The KL-estimator lab: what the sampled KL penalties of RL fine-tuning really optimize, in exact expectation.

RL fine-tuning does not penalize the exact KL(π‖π_ref). It samples tokens and uses per-token estimators of it,
written with ``ℓ = ln π(y) − ln π_ref(y) = −ln r`` for a sampled token ``y``:

* ``k1 = ℓ`` (``−ln r``), ``k2 = ℓ²/2``, ``k3 = r − 1 − ln r``, and ``full``, the whole-distribution value
  ``KL(π(·|h)‖π_ref(·|h))``;
* at the ``level`` of a ``"token"`` (the estimate of a trajectory is the sum of its tokens' values) or of the
  ``"sequence"`` (the estimator applied to the whole trajectory's log-ratio ``L = Σ_t ℓ_t``);
* ``placement``: in the ``"reward"`` (a penalty differentiated through the sampling, by the score function with
  rewards to go, as PPO does), in the ``"loss"`` (differentiated through its value, samples held fixed, as GRPO
  does), or ``"both"``;
* sampled from π itself (``sampling=None``) or from an older policy π_old, with ``ratio=None`` (no correction),
  ``"token"`` (each token's term weighted by its own ratio π/π_old, as PPO's surrogate) or ``"sequence"`` (the
  whole trajectory's importance weight). A ratio is a weight: it is not differentiated.

The policy being trained is a :class:`SoftmaxPolicy`, a finite-state policy whose parameters are the logits of its
rows; its evaluation point is given by its (rational) probabilities, so the score ``∇ ln π(a|s) = e_a − π(·|s)`` is
rational and every expectation is a finite sum of rationals times logarithms: exact in the exact context (linear
forms in logarithms; products of logarithms, as k2's, as sympy expressions), enclosed in ball, numpy in float.

:func:`estimator_moments` sums over the history tree (one walk, vectorized by level, then one backward pass by
level) the expected estimate, its variance and its expected gradient; :func:`kl_gradient` gives the two targets,
∇KL(π‖π_ref) and ∇KL(π_ref‖π), over the same horizon; :func:`sample_estimator` is the Monte Carlo counterpart;
:func:`value_gradient` the policy gradient of an expected utility; :func:`practical_fixed_point` the policy the
gradient of ``V − c·penalty`` comes to rest at, per history. docs/estimators.md states and checks what holds.

>>> import theory
>>> pi = theory.SoftmaxPolicy.iid(["1/2", "1/2"])
>>> ref = theory.FiniteStatePolicy.iid(["1/4", "3/4"])
>>> env = theory.sequence_environment(2)
>>> k2 = theory.estimator_moments(pi, ref, env, 1, estimator="k2", placement="loss", arith="exact")
>>> fwd = theory.kl_gradient(pi, ref, env, 1, direction="forward", arith="exact")
>>> bool((k2.expected_gradient == fwd).all())       # one token: pathwise k2 is unbiased for ∇KL(π‖π_ref)
True
>>> theory.estimator_moments(pi, ref, env, 1, estimator="k1", placement="loss", arith="exact").expected_gradient
array([[Fraction(0, 1), Fraction(0, 1)]], dtype=object)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arith import Context, get_context
from .errors import InfiniteEstimateError, OptionError, ProbabilityError, ResourceLimitError, UnderflowError
from .kernels import FiniteStatePolicy, Policy, check_alphabet_size, take
from .measures import _setup, trajectory_kl
from .sampling import MAX_SAMPLE_BYTES, _draw
from .trees import DecisionTree, Level, Tree, alphabet, check_max_nodes, unique_rows, walk
from .validation import flag, guard_size, integer, option, require_instance

__all__ = [
    "MAX_SYMBOLIC_NODES",
    "ESTIMATORS",
    "PLACEMENTS",
    "LEVELS",
    "RATIOS",
    "SoftmaxPolicy",
    "EstimatorMoments",
    "EstimatorSample",
    "estimator_moments",
    "kl_gradient",
    "value_gradient",
    "sample_estimator",
]

#: The estimators of KL(π‖π_ref): k1 = ℓ, k2 = ℓ²/2, k3 = r − 1 − ln r (r = e^{−ℓ}), and the full per-step KL.
ESTIMATORS = ("k1", "k2", "k3", "full")
#: Where the estimate enters: the reward (score-function gradient), the loss (pathwise gradient), or both.
PLACEMENTS = ("reward", "loss", "both")
#: The estimator applied to each token's log-ratio and summed, or to the trajectory's log-ratio.
LEVELS = ("token", "sequence")
#: Off-policy corrections: none, each token's own ratio, the trajectory's importance weight.
RATIOS = (None, "token", "sequence")
#: Default limit on one level's history-tree nodes in exact arithmetic (``max_symbolic_nodes=`` raises it): a node
#: costs milliseconds there (k2's products of logarithms are sympy expressions), so 10^4 a level is about a minute.
MAX_SYMBOLIC_NODES = 10_000


# ---------------------------------------------------------------------------------------------------------------
# The parametrized policy
# ---------------------------------------------------------------------------------------------------------------
class SoftmaxPolicy(FiniteStatePolicy):
    """A finite-state policy with softmax logits per state: ``π(a|s) = e^{θ[s,a]} / Σ_b e^{θ[s,b]}``.

    It is given, like any :class:`~theory.FiniteStatePolicy`, by its emission table (the point θ at which
    gradients are taken: ``θ[s, a] = ln π(a|s)`` up to a constant per state) and its transition table. Every
    probability must be positive (a softmax never gives 0); :meth:`from_logits` builds one from logits (float).

    >>> pi = SoftmaxPolicy([["1/2", "1/2"], ["1/4", "3/4"]], [[[1], [1]], [[1], [1]]])
    >>> pi.parameter_shape, pi.score(1, 1, arith="exact").tolist()
    ((2, 2), [[Fraction(0, 1), Fraction(0, 1)], [Fraction(-1, 4), Fraction(1, 4)]])
    >>> SoftmaxPolicy.iid([1, 0])
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: emission[0, 1] is 0; a softmax policy gives every action a positive probability (its logit would be -inf)
    """

    def __init__(self, emission, transition, initial_state: int = 0, *, name: str | None = None):
        super().__init__(emission, transition, initial_state, semi=False, name=name)
        exact = self.emission("exact")
        zero = np.argwhere(exact == 0)
        if len(zero):
            s, a = (int(v) for v in zero[0])
            raise ProbabilityError(
                f"emission[{s}, {a}] is 0; a softmax policy gives every action a positive probability "
                "(its logit would be -inf)"
            )

    @classmethod
    def iid(cls, probs, *, n_observations: int = 1, semi: bool = False):
        """The one-state softmax policy drawing each action from ``probs``.

        >>> SoftmaxPolicy.iid(["1/3", "2/3"]).parameter_shape
        (1, 2)
        """
        if semi:
            raise ProbabilityError("a softmax policy never abstains: semi=True is not possible")
        n_obs = check_alphabet_size(n_observations, "n_observations")
        row = list(probs)
        return cls([row], np.zeros((1, len(row), n_obs), dtype=np.int64))

    @classmethod
    def from_logits(cls, logits, transition, initial_state: int = 0, *, name: str | None = None):
        """The softmax policy of float logits ``(n_states, n_actions)``.

        >>> SoftmaxPolicy.from_logits([[0.0, np.log(3)]], [[[0], [0]]]).probs()
        array([0.25, 0.75])
        """
        z = np.asarray(logits, dtype=float)
        if z.ndim != 2 or not np.isfinite(z).all():
            raise ProbabilityError(f"logits must be a finite (n_states, n_actions) array, got {logits!r}")
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return cls(e / e.sum(axis=1, keepdims=True), transition, initial_state, name=name)

    @property
    def parameter_shape(self) -> tuple[int, int]:
        """The shape of θ and of every gradient: ``(n_states, n_actions)``."""
        return (self.n_states, self.n_actions)

    def logits(self, *, arith=None) -> np.ndarray:
        """θ at the evaluation point, normalized so that ``Σ_a e^{θ[s,a]} = 1``: ``ln π(a|s)``.

        >>> SoftmaxPolicy.iid(["1/2", "1/2"]).logits(arith="exact")
        array([[LogLinear(1*ln(1/2)), LogLinear(1*ln(1/2))]], dtype=object)
        """
        ctx = get_context(arith)
        with ctx.scope():
            return ctx.log(self.emission(ctx))

    def score(self, state: int, action: int, *, arith=None) -> np.ndarray:
        """``∇_θ ln π(action|state)``: zero but for row ``state``, which is ``e_action − π(·|state)``.

        >>> SoftmaxPolicy.iid(["1/4", "3/4"]).score(0, 0, arith="exact")[0].tolist()
        [Fraction(3, 4), Fraction(-3, 4)]
        """
        ctx = get_context(arith)
        s = integer(state, name="state", minimum=0, maximum=self.n_states - 1)
        a = integer(action, name="action", minimum=0, maximum=self.n_actions - 1)
        out = ctx.zeros(self.parameter_shape)
        out[s] = -self.emission(ctx)[s]
        out[s, a] = out[s, a] + 1
        return out

    def __repr__(self) -> str:
        """A Python expression that rebuilds the policy (``from theory import *``).

        >>> SoftmaxPolicy.iid(["1/4", "3/4"])
        SoftmaxPolicy([['1/4', '3/4']], [[[0], [0]]])
        """
        return f"SoftmaxPolicy({self._machine_args()}{self._name_arg()})"


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EstimatorMoments:
    """The exact moments of one estimator × placement × level × sampling case (:func:`estimator_moments`).

    ``expected_estimate`` and ``variance`` of the (weighted) estimate of a trajectory, and ``expected_gradient``
    (an ``(n_states, n_actions)`` array over the logits), in the arithmetic that computed them.

    >>> import theory
    >>> m = theory.estimator_moments(theory.SoftmaxPolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(
    ...     ["1/4", "3/4"]), theory.sequence_environment(2), 1, estimator="k3", arith="exact")
    >>> m.expected_estimate == theory.kl(["1/2", "1/2"], ["1/4", "3/4"], arith="exact")   # k3 is unbiased
    True
    """

    estimator: str
    placement: str
    level: str
    ratio: str | None
    on_policy: bool
    horizon: int
    expected_estimate: object
    variance: object
    expected_gradient: np.ndarray


@dataclass(frozen=True)
class EstimatorSample:
    """Monte Carlo means and standard errors of the estimate and of the gradient (:func:`sample_estimator`).

    >>> import theory
    >>> s = theory.sample_estimator(theory.SoftmaxPolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid(
    ...     [0.25, 0.75]), theory.sequence_environment(2), 1, estimator="k1", n=4000, seed=1)
    >>> abs(s.mean_estimate - theory.kl([0.5, 0.5], [0.25, 0.75])) < 5 * s.se_estimate
    True
    """

    n: int
    mean_estimate: float
    se_estimate: float
    mean_gradient: np.ndarray
    se_gradient: np.ndarray


# ---------------------------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------------------------
def _options(estimator, placement, level, sampling, ratio) -> tuple:
    option(estimator, name="estimator", choices=ESTIMATORS)
    option(placement, name="placement", choices=PLACEMENTS)
    option(level, name="level", choices=LEVELS)
    option(ratio, name="ratio", choices=RATIOS)
    if sampling is not None:
        require_instance(sampling, Policy, name="sampling", what="theory.Policy (π_old) or None (on-policy)")
        if sampling.semi:
            raise ProbabilityError(f"the sampling policy {sampling!r} abstains; samples need a full distribution")
    if sampling is None:
        ratio = None  # on-policy every ratio is 1
    if ratio == "token" and (level == "sequence" or estimator == "full"):
        what = "a sequence-level estimate" if level == "sequence" else "the full estimator"
        raise OptionError(
            f"ratio='token' weights each sampled token's term by its own ratio, and {what} has no per-token term; "
            "use ratio='sequence' or ratio=None"
        )
    return estimator, placement, level, sampling, ratio


def _check_parts(policy, reference):
    require_instance(policy, SoftmaxPolicy, name="policy", what="theory.SoftmaxPolicy (the parametrized policy)")
    require_instance(reference, Policy, name="reference", what="theory.Policy")
    if reference.semi:
        raise ProbabilityError(
            f"the reference {reference!r} abstains; the estimators compare full distributions "
            "(k3's r − 1 − ln r is unbiased only when π_ref sums to 1)"
        )


# ---------------------------------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------------------------------
class _LabTree:
    """The tree of (π, π_ref, μ, sampling law) from h to the horizon, children where the sampling law and μ put
    mass, and per decision level: π's rows ``p``, π_ref's ``r``, the sampling law's ``q``, μ's ``e`` (N, A, O),
    π's state ``sigma``, the log-ratios ``ell``, the estimator's values ``k`` and derivatives ``dk`` and the ratios
    ``rho`` per (node, action); per node its sampling ``mass`` and its path statistics ``stats``.

    Histories are merged when their kernels' states *and* the path statistics the case needs coincide: the
    trajectory's importance weight (``ratio="sequence"``), its log-ratio sum (sequence level), its token
    estimate so far (token level, for the estimate's moments). What follows such histories, and every
    expectation over it, is then the same, so the sums below are over distinct (state, statistics) pairs: an
    i.i.d. or finite-state toy grows polynomially with the horizon instead of as (|A||O|)^m."""

    def __init__(
        self,
        policy,
        reference,
        env,
        horizon,
        history,
        sampling,
        ctx: Context,
        max_nodes,
        *,
        estimator: str = "k1",
        level: str = "token",
        ratio=None,
        moments: bool = True,
        merge: bool = True,
        max_symbolic_nodes: int | None = None,
    ):
        self.n_actions, self.n_obs, h, self.m = _setup(
            (("policy", policy), ("reference", reference)) + ((("sampling", sampling),) if sampling else ()),
            env,
            history,
            horizon,
        )
        self.ctx, self.policy, self.sampling = ctx, policy, sampling
        self.estimator, self.level, self.ratio = estimator, level, ratio
        full_rows = estimator == "full"
        names = []
        if ratio == "sequence":
            names.append("weight")
        if level == "sequence" and estimator != "full":
            names.append("lsum")
        if level == "token" and moments:
            names.append("ksum")
        self.stat_names = tuple(names)
        limit = check_max_nodes(max_nodes)
        self.max_symbolic_nodes = max_symbolic_nodes
        symbolic = None
        if ctx.symbolic:  # exact sums of products of logarithms: milliseconds a node, an hour at 10^6 nodes
            symbolic = integer(
                MAX_SYMBOLIC_NODES if max_symbolic_nodes is None else max_symbolic_nodes,
                name="max_symbolic_nodes",
                minimum=1,
            )
            limit = min(limit, symbolic)
        tree = Tree((policy, reference, env, sampling), h, ctx, merge=merge, max_nodes=limit)
        self.tree = tree
        table: dict = {}

        def expand(lv: Level):
            if lv.depth:
                lv.data["stats"] = {k: v[lv.data["label"]] for k, v in table.pop(lv.depth).items()}
            sigma = np.asarray(lv.states[0], dtype=np.int64)
            p = policy.probs_batch(lv.states[0], ctx)
            r = reference.probs_batch(lv.states[1], ctx)
            e = env.probs_batch(lv.states[2], ctx)
            q = p if sampling is None else sampling.probs_batch(lv.states[3], ctx)
            lv.data.update(sigma=sigma, p=p, r=r, q=q, e=e)
            self._log_ratios(lv, full_rows)
            lv.data["k"], lv.data["dk"] = self._token_values(lv)
            lv.data["rho"] = self._weight_ratio(lv) if ratio is not None else None
            grow = ctx.zeros((len(lv), 2, self.n_actions, self.n_obs))
            grow[:, 0] = q[:, :, None] * e
            # Children wherever the sampling law and μ reach, even where the mass underflows in float (1e-300
            # twice): dropping them would lose a trajectory whose value may be as large as its mass is small.
            return {"mass": lv.weights["mass"][:, None, None, None] * grow, "reach": grow}

        def label(lv: Level, parent, action, observation, flag):
            stats = lv.data["stats"]
            step = {
                "weight": (lambda: lv.data["rho"], True),
                "lsum": (lambda: lv.data["ell"], False),
                "ksum": (lambda: lv.data["k"] if ratio != "token" else lv.data["rho"] * lv.data["k"], False),
            }
            child: dict = {}
            keys = [np.zeros((len(parent), 0), dtype=np.int64)]
            for name in self.stat_names:
                values, multiply = step[name]
                inc = values()[parent, action]
                child[name] = stats[name][parent] * inc if multiply else stats[name][parent] + inc
                if tree.merging:
                    keys.append(ctx.merge_keys(child[name]))
            if not tree.merging:  # no merge to come: every child keeps its own statistics
                table[lv.depth + 1] = child
                return np.arange(len(parent))
            first, inverse = unique_rows(np.concatenate(keys, axis=1))
            table[lv.depth + 1] = {name: v[first] for name, v in child.items()}
            return inverse

        root = tree.root()
        root.weights["mass"] = ctx.ones(1)
        root.data["stats"] = {"weight": ctx.ones(1), "lsum": ctx.zeros(1), "ksum": ctx.zeros(1)}
        # k2's ℓ² makes sympy products in the exact context, which raise numpy's spurious "invalid value" flag.
        with np.errstate(invalid="ignore"):
            try:
                self.dt: DecisionTree = walk(tree, self.m, expand, root=root, keep="levels", leaves=False, label=label)
            except ResourceLimitError as err:
                if symbolic is None or symbolic >= check_max_nodes(max_nodes):
                    raise
                raise ResourceLimitError(
                    f"{err}".split(";")[0].replace(f"the limit {symbolic}", f"max_symbolic_nodes={symbolic}")
                    + " in exact arithmetic, whose sums of logarithms (and their products) cost milliseconds a node; "
                    "use arith='ball' (certified enclosures) or pass max_symbolic_nodes=... to raise it"
                ) from None
        if self.m:
            leaves = self.dt.levels[self.m]
            leaves.data["stats"] = {k: v[leaves.data["label"]] for k, v in table.pop(self.m).items()}

    def _log_ratios(self, level: Level, full_rows: bool) -> None:
        """ℓ = ln p − ln r where the sampling law takes the action (every action, with ``full_rows``); raise
        :class:`InfiniteEstimateError` where π_ref gives such an action 0."""
        ctx = self.ctx
        p, r, q = level.data["p"], level.data["r"], level.data["q"]
        needed = np.ones(p.shape, dtype=bool) if full_rows else ~ctx.is_zero(q)
        bad = needed & ctx.is_zero(r)
        if bad.any():
            i, a = (int(v) for v in np.argwhere(bad)[0])
            history = self.tree.histories(level, [i])[0]
            raise InfiniteEstimateError(
                f"π_ref gives action {a} probability 0 at history {history!r}, where π gives it {ctx.to_output(p[i, a])}"
                f"{'' if full_rows else ' and the sampling law takes it'}: KL(π‖π_ref) and its estimates are "
                "infinite there, and their gradients undefined"
            )
        safe_r = np.where(needed, r, ctx.convert(1))
        safe_p = np.where(needed, p, ctx.convert(1))
        level.data["ell"] = ctx.log(safe_p) - ctx.log(safe_r)
        level.data["needed"] = needed

    def _token_values(self, level: Level):
        """Per (node, action): the estimator's value k and its derivative k' in ℓ (zero where not needed)."""
        ctx, estimator = self.ctx, self.estimator
        ell, p, r, needed = level.data["ell"], level.data["p"], level.data["r"], level.data["needed"]
        zero = ctx.convert(0)
        if estimator != "full":
            # π_ref/π = e^{−ℓ}, rational where the rows are (k3 reads it)
            k, dk = _token_estimate(estimator, ell, np.where(needed, r, zero) / p, ctx.ones(ell.shape))
        else:  # full: the per-step KL, the same for every action of the node
            step = (p * ell).sum(axis=1)
            k, dk = np.repeat(step[:, None], ell.shape[1], axis=1), None
        k = np.where(needed, k, zero)
        if dk is not None:
            dk = np.where(needed, dk, zero)
        return k, dk

    def _weight_ratio(self, level: Level) -> np.ndarray:
        """π/π_old per (node, action), 0 where π_old gives 0 (never sampled there)."""
        ctx = self.ctx
        p, q = level.data["p"], level.data["q"]
        zero = ctx.is_zero(q)
        return np.where(zero, ctx.convert(0), p / np.where(zero, ctx.convert(1), q))

    def expected_over_observations(self, d: int, values: np.ndarray) -> np.ndarray:
        """Per (node, action) of level d: Σ_o μ(o|h, a)·values[child(h, a, o)], for a per-node array of level
        d+1 (0 where the child was not expanded)."""
        idx = self.dt.child[d][:, 0]  # (N, A, O): flag 0 (no demonstrator here)
        out = self.ctx.zeros(idx.shape)
        ok = idx >= 0
        out[ok] = values[idx[ok]]
        return (self.dt.levels[d].data["e"] * out).sum(axis=2)

    def gradient(self, coefficients: list, extra: list | None = None) -> np.ndarray:
        """Σ over levels and (node, action) of D(h, a)·(e_a − π(·|h)) into π's state rows; ``extra[d]`` an
        (N, A) array added to the rows as it is (a pathwise full-distribution term)."""
        ctx, policy = self.ctx, self.policy
        grad = ctx.zeros(policy.parameter_shape)
        for d, coef in enumerate(coefficients):
            level = self.dt.levels[d]
            rows = coef - level.data["p"] * coef.sum(axis=1)[:, None]
            if extra is not None and extra[d] is not None:
                rows = rows + extra[d]
            grad = grad + ctx.sum_by(rows, level.data["sigma"], policy.n_states)
        return grad


# ---------------------------------------------------------------------------------------------------------------
# The moments
# ---------------------------------------------------------------------------------------------------------------
def _moments(lab: _LabTree, placement, reference, env, history, arith, max_nodes):
    """Expected estimate, variance and expected gradient on a built tree (the spec of docs/estimators.md)."""
    # Products of logarithms (k2, the variance) become sympy expressions in the exact context, whose
    # construction raises numpy's spurious "invalid value" flag in object arrays; no value here is infinite.
    with np.errstate(invalid="ignore"):
        return _moments_on(lab, placement, reference, env, history, arith, max_nodes)


def _moments_on(lab: _LabTree, placement, reference, env, history, arith, max_nodes):
    """Forward: every node's sampling mass P and path statistics (merged). Backward, per node, conditional
    expectations of what follows it (functions of its state and statistics, hence right for every history merged
    into it): A0 = E[future weight], A1 = E[future weight · Σ_{later tokens} k], B = E[future weight · F(x)]
    for a sequence-level F. The coefficient of the score at (h, a) is then P(h)·W(h)·q(a|h)·ρ(a) times them."""
    ctx, m, dt = lab.ctx, lab.m, lab.dt
    estimator, level, ratio = lab.estimator, lab.level, lab.ratio
    levels = dt.levels
    zero = ctx.convert(0)
    if m == 0:
        return zero, zero, ctx.zeros(lab.policy.parameter_shape)
    full_sequence = estimator == "full" and level == "sequence"
    leaves = levels[m]
    stats, mass = leaves.data["stats"], leaves.weights["mass"]
    weight = stats["weight"] if ratio == "sequence" else ctx.ones(len(leaves))
    if level == "token":
        # Without the estimate's moments (a gradient only), the token sums are not tracked: no value is used.
        value = stats["ksum"] if "ksum" in stats else ctx.zeros(len(leaves))
    elif full_sequence:
        constant = ctx.convert(trajectory_kl(lab.policy, reference, env, m, history, arith=ctx, max_nodes=max_nodes))
        value = ctx.zeros(len(leaves)) + constant  # the exact trajectory KL: the same for every trajectory
    else:
        value = _sequence_value(ctx, estimator, stats["lsum"])
    estimate = weight * value  # a weight multiplies everything, the full sequence-level KL included
    mean = ctx.total(mass * estimate)
    if ctx.is_exact:  # one pass: E[x²] − E[x]², the smaller expressions
        variance = ctx.total(mass * estimate * estimate) - mean * mean
    else:  # two passes: E[(x − E[x])²] does not cancel where the variance is small against the mean's square
        deviation = estimate - mean
        drift = ctx.total(mass * deviation)  # 0 but for rounding (a ball's x**2 is nan when x contains 0)
        variance = ctx.total(mass * deviation * deviation) - drift * drift
    want_reward = placement in ("reward", "both")
    want_loss = placement in ("loss", "both")
    # Leaves: the future weight is 1, no token follows, and F is the sequence's value or derivative.
    a0, a1 = ctx.ones(len(leaves)), ctx.zeros(len(leaves))
    # In both places a token (or sequence) contributes k + k' times its score: summed in closed form, as k3's
    # r − 1 + ℓ and 1 − r would cancel in float where π_ref/π is large (1e10 loses 10 digits).
    together = want_reward and want_loss and estimator != "full"
    b_reward = b_loss = None
    if level == "sequence" and together:
        b_reward = _value_plus_derivative(estimator, stats["lsum"])
    elif level == "sequence":
        b_reward = value if want_reward else None
        b_loss = _sequence_derivative(ctx, estimator, stats["lsum"]) if want_loss and not full_sequence else None
    coefficients: list = [None] * m
    extra: list = [None] * m
    for d in range(m - 1, -1, -1):
        lv = levels[d]
        p, q, k, dk, rho = lv.data["p"], lv.data["q"], lv.data["k"], lv.data["dk"], lv.data["rho"]
        reach = lv.weights["mass"] * (lv.data["stats"]["weight"] if ratio == "sequence" else 1)
        step = q * rho if ratio == "sequence" else q  # the sampling step, times the weight's factor
        own = rho if ratio == "token" else 1  # a token's own ratio, weighting its own term
        ea0 = lab.expected_over_observations(d, a0)
        base = reach[:, None] * step
        coef = ctx.zeros(q.shape)
        if level == "token":
            ea1 = lab.expected_over_observations(d, a1)
            if together:
                both = np.where(lv.data["needed"], _value_plus_derivative(estimator, lv.data["ell"]), zero)
                coef = coef + base * own * (both * ea0 + ea1)
            elif want_reward:
                coef = coef + base * own * (k * ea0 + ea1)
            if want_loss and estimator == "full":
                ell = lv.data["ell"]
                node_kl = (p * ell).sum(axis=1)
                extra[d] = (reach * (step * ea0).sum(axis=1))[:, None] * p * (ell - node_kl[:, None])
            elif want_loss and not together:
                coef = coef + base * own * dk * ea0
            a1 = (step * (k * ea0 + ea1)).sum(axis=1)
        else:
            if b_reward is not None:
                eb = lab.expected_over_observations(d, b_reward)
                coef = coef + base * eb
                b_reward = (step * eb).sum(axis=1)
            if b_loss is not None:
                eb = lab.expected_over_observations(d, b_loss)
                coef = coef + base * eb
                b_loss = (step * eb).sum(axis=1)
        a0 = (step * ea0).sum(axis=1)
        coefficients[d] = coef
    grad = lab.gradient(coefficients, extra)
    if full_sequence and want_loss:
        # Pathwise, the constant's gradient is ∇KL(π‖π_ref), times the expected weight (1 when π_old covers π).
        grad = grad + _forward_gradient(
            lab.policy, reference, env, m, history, ctx, max_nodes, lab.max_symbolic_nodes
        ) * ctx.total(mass * weight)
    return mean, variance, grad


def _sequence_value(ctx: Context, estimator: str, lsum: np.ndarray) -> np.ndarray:
    if estimator == "k1":
        return lsum
    if estimator == "k2":
        return lsum * lsum / 2
    big_r = ctx.exp(-lsum)  # R = Π_t r_t: rational in the exact context (exp of a linear form in logarithms)
    return big_r - 1 + lsum


def _value_plus_derivative(estimator: str, ell: np.ndarray) -> np.ndarray:
    """k(ℓ) + k'(ℓ) in closed form: ℓ + 1, ℓ²/2 + ℓ, and for k3 (r − 1 + ℓ) + (1 − r) = ℓ."""
    if estimator == "k1":
        return ell + 1
    if estimator == "k2":
        return ell * ell / 2 + ell
    return ell + 0


def _sequence_derivative(ctx: Context, estimator: str, lsum: np.ndarray) -> np.ndarray:
    if estimator == "k1":
        return ctx.ones(lsum.shape)
    if estimator == "k2":
        return lsum
    return 1 - ctx.exp(-lsum)


def _forward_gradient(policy, reference, env, m, history, ctx, max_nodes, max_symbolic_nodes=None) -> np.ndarray:
    """∇_θ KL^μ(π‖π_ref): the full per-step KL in the reward (the paths' weights) and in the loss (each step's
    own distribution) — the chain rule, differentiated."""
    lab = _LabTree(
        policy,
        reference,
        env,
        m,
        history,
        None,
        ctx,
        max_nodes,
        estimator="full",
        moments=False,
        max_symbolic_nodes=max_symbolic_nodes,
    )
    return _moments(lab, "both", reference, env, history, ctx, max_nodes)[2]


# ---------------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------------
def estimator_moments(
    policy,
    reference,
    env,
    horizon,
    history=(),
    *,
    estimator: str = "k1",
    placement: str = "loss",
    level: str = "token",
    sampling=None,
    ratio=None,
    arith=None,
    merge: bool = True,
    max_nodes: int | None = None,
    max_symbolic_nodes: int | None = None,
) -> EstimatorMoments:
    """The exact expected estimate, its variance and its expected gradient for one case of the lab.

    ``policy`` is the :class:`SoftmaxPolicy` π being trained, ``reference`` π_ref (a full distribution),
    ``env`` μ; the trajectories run ``horizon`` steps from ``history``. ``estimator``, ``placement``, ``level``,
    ``sampling`` (None: on-policy; a policy: π_old) and ``ratio`` are as in the module docstring (and in
    docs/estimators.md, which defines each surrogate). Histories are merged where the kernels' states and the path
    statistics the case needs (the importance weight, the log-ratio sum, the token estimate so far) coincide
    (``merge=False`` keeps every history; the results do not depend on it); a level beyond ``max_nodes`` nodes is
    refused with a ResourceLimitError before allocating; in exact arithmetic the limit is ``max_symbolic_nodes``
    (default :data:`MAX_SYMBOLIC_NODES`), where a node costs milliseconds. Where
    π_ref gives 0 to a token the sampling law takes, the estimates are infinite: an
    :class:`~theory.errors.InfiniteEstimateError` names the history.

    >>> import theory
    >>> pi = theory.SoftmaxPolicy.iid(["1/2", "1/2"])
    >>> ref = theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    >>> m = theory.estimator_moments(pi, ref, theory.sequence_environment(2), 1, estimator="k3", arith="exact")
    >>> m.expected_gradient == theory.kl_gradient(pi, ref, theory.sequence_environment(2), 1, direction="reverse",
    ...                                           arith="exact")   # pathwise k3: ∇KL(π_ref‖π) for one token
    array([[ True,  True]])
    """
    estimator, placement, level, sampling, ratio = _options(estimator, placement, level, sampling, ratio)
    _check_parts(policy, reference)
    ctx = get_context(arith)
    with ctx.scope():
        lab = _LabTree(
            policy,
            reference,
            env,
            horizon,
            history,
            sampling,
            ctx,
            max_nodes,
            estimator=estimator,
            level=level,
            ratio=ratio,
            merge=flag(merge, name="merge"),
            max_symbolic_nodes=max_symbolic_nodes,
        )
        mean, variance, grad = _moments(lab, placement, reference, env, history, ctx, max_nodes)
        _check_finite(ctx, [mean, variance, *grad.reshape(-1)])
        out = ctx.to_output
        return EstimatorMoments(
            estimator=estimator,
            placement=placement,
            level=level,
            ratio=ratio,
            on_policy=sampling is None,
            horizon=lab.m,
            expected_estimate=out(mean),
            variance=out(variance),
            expected_gradient=_output_array(ctx, grad),
        )


def _check_finite(ctx: Context, values) -> None:
    """Every value of the lab is finite once π_ref covers the sampled tokens (checked before): a float that is not
    is an overflow (k3's r = π_ref/π, or a square in the variance, beyond 1.8e308), never an answer."""
    if ctx.overflows(values):
        raise UnderflowError(
            "a moment of this estimator overflows the float range (π gives some sampled token a probability so "
            "small that π_ref/π or its square exceeds 1.8e308); use arith='exact' or arith='ball'"
        )


def _output_array(ctx: Context, values: np.ndarray) -> np.ndarray:
    if values.dtype != object:
        return values
    out = np.empty(values.shape, dtype=object)
    for i, v in np.ndenumerate(values):
        out[i] = ctx.to_output(v)
    return out


def kl_gradient(
    policy,
    reference,
    env,
    horizon,
    history=(),
    *,
    direction: str = "forward",
    arith=None,
    max_nodes: int | None = None,
    max_symbolic_nodes: int | None = None,
) -> np.ndarray:
    """∇_θ of the trajectory KL between π (a :class:`SoftmaxPolicy`) and π_ref over ``horizon`` steps:
    ``direction="forward"`` is KL(π‖π_ref), ``"reverse"`` is KL(π_ref‖π) = E_{π_ref}[Σ_t ln π_ref − ln π]
    (whose gradient is −E_{π_ref}[Σ_t ∇ ln π(a_t|h_t)]). An ``(n_states, n_actions)`` array.

    >>> import theory
    >>> pi, ref = theory.SoftmaxPolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    >>> theory.kl_gradient(pi, ref, theory.sequence_environment(2), 1, direction="reverse", arith="exact")
    array([[Fraction(1, 4), Fraction(-1, 4)]], dtype=object)
    """
    option(direction, name="direction", choices=("forward", "reverse"))
    _check_parts(policy, reference)
    ctx = get_context(arith)
    with ctx.scope():
        if direction == "forward":
            _setup((("policy", policy), ("reference", reference)), env, history, horizon)
            grad = _forward_gradient(policy, reference, env, horizon, history, ctx, max_nodes, max_symbolic_nodes)
        else:
            # Trajectories under π_ref; each step's score, with coefficient −1 (k1 in the loss is ∇ ln π).
            lab = _LabTree(
                policy,
                reference,
                env,
                horizon,
                history,
                reference,
                ctx,
                max_nodes,
                moments=False,
                max_symbolic_nodes=max_symbolic_nodes,
            )
            grad = -_moments(lab, "loss", reference, env, history, ctx, max_nodes)[2]
        return _output_array(ctx, grad)


def value_gradient(
    policy,
    env,
    utility,
    horizon,
    history=(),
    *,
    arith=None,
    max_nodes: int | None = None,
    max_symbolic_nodes: int | None = None,
):
    """The policy gradient ``∇_θ V^π_μ(h) = E[U(x) Σ_t ∇ ln π(a_t|h_t)]`` of a :class:`SoftmaxPolicy`, exactly.

    >>> import theory
    >>> pi = theory.SoftmaxPolicy.iid(["1/2", "1/2"])
    >>> theory.value_gradient(pi, theory.sequence_environment(2), theory.MeanReward([[0], [1]]), 1, arith="exact")
    array([[Fraction(-1, 4), Fraction(1, 4)]], dtype=object)
    """
    from .utilities import as_utility

    require_instance(policy, SoftmaxPolicy, name="policy", what="theory.SoftmaxPolicy (the parametrized policy)")
    ctx = get_context(arith)
    with ctx.scope():
        n_actions, n_obs = alphabet(policy, env)
        u = as_utility(utility, n_actions, n_obs)
        # Histories merge when the policy's and μ's states coincide, unless the utility reads the whole history.
        lab = _LabTree(
            policy,
            policy,
            env,
            horizon,
            history,
            None,
            ctx,
            max_nodes,
            moments=False,
            merge=u.additive,
            max_symbolic_nodes=max_symbolic_nodes,
        )
        m, levels = lab.m, lab.dt.levels
        if m == 0:
            return _output_array(ctx, ctx.zeros(policy.parameter_shape))
        rewards = u.step_rewards(m, ctx)
        # Backward: a1 = the expected utility still to come at each node (the terminal utility at the leaves).
        a1 = u.terminal(lab.tree.histories(levels[m]), ctx)
        coefficients: list = [None] * m
        for d in range(m - 1, -1, -1):
            lv = levels[d]
            to_go = lab.expected_over_observations(d, a1)
            if rewards is not None:
                to_go = to_go + (lv.data["e"] * rewards[None]).sum(axis=2)
            coefficients[d] = lv.weights["mass"][:, None] * lv.data["q"] * to_go
            a1 = (lv.data["q"] * to_go).sum(axis=1)
        return _output_array(ctx, lab.gradient(coefficients))


def sample_estimator(
    policy,
    reference,
    env,
    horizon,
    history=(),
    *,
    n: int = 10000,
    seed: int = 0,
    estimator: str = "k1",
    placement: str = "loss",
    level: str = "token",
    sampling=None,
    ratio=None,
) -> EstimatorSample:
    """Monte Carlo: ``n`` trajectories from the sampling law (float), each giving the surrogate's estimate and
    gradient as :func:`estimator_moments` defines them; their means and standard errors.

    >>> import theory
    >>> pi, ref = theory.SoftmaxPolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.25, 0.75])
    >>> s = theory.sample_estimator(pi, ref, theory.sequence_environment(2), 1, estimator="k1", n=1000, seed=0)
    >>> s.mean_gradient.shape, s.n
    ((1, 2), 1000)
    """
    estimator, placement, level, sampling, ratio = _options(estimator, placement, level, sampling, ratio)
    _check_parts(policy, reference)
    n = integer(n, name="n", minimum=2)
    seed = integer(seed, name="seed", minimum=0)
    n_actions, n_obs, h, m = _setup(
        (("policy", policy), ("reference", reference)) + ((("sampling", sampling),) if sampling else ()),
        env,
        history,
        horizon,
    )
    # Per sample and step: the rows of π, π_ref, π_old and the full-distribution gradient, and the gradient.
    guard_size(
        8 * n * (m * (6 * n_actions + n_actions * n_obs + 8) + 2 * policy.n_states * n_actions),
        limit=MAX_SAMPLE_BYTES,
        what="bytes of samples",
        option="n",
    )
    ctx = get_context("float")
    rng = np.random.default_rng(seed)
    kernels = (policy, reference, env, sampling)
    states = [None if k is None else k.start(h, ctx) for k in kernels]
    states = [None if s is None else take(s, np.zeros(n, dtype=np.int64)) for s in states]
    rows = np.arange(n)
    steps: list[
        tuple
    ] = []  # per step: sigma, p rows, chosen action, token value, derivative, ratio, full-distribution grad rows
    for _t in range(m):
        sigma = np.asarray(states[0], dtype=np.int64)
        p = policy.probs_batch(states[0], ctx)
        r = reference.probs_batch(states[1], ctx)
        q = p if sampling is None else sampling.probs_batch(states[3], ctx)
        a = _draw(rng, q)
        e = env.probs_batch(states[2], ctx)[rows, a]
        o = _draw(rng, e)
        pa, ra = p[rows, a], r[rows, a]
        bad = (ra == 0) | ((r == 0).any(axis=1) if estimator == "full" else False)
        if bad.any():
            i = int(np.argmax(bad))
            action = int(a[i]) if ra[i] == 0 else int(np.argmax(r[i] == 0))
            past = tuple((a0, o0) for a0, o0, _ in h) + tuple((int(s[2][i]), int(s[8][i])) for s in steps)
            raise InfiniteEstimateError(
                f"π_ref gives action {action} probability 0 at history {past!r}, reached by sample {i}: KL(π‖π_ref) "
                "and its estimates are infinite there, and their gradients undefined"
            )
        ell = np.log(pa) - np.log(ra)
        ell_all = np.log(p) - np.log(r)
        step_kl = (p * ell_all).sum(axis=1)
        if estimator == "full":
            k, dk = step_kl, None
        else:
            k, dk = _token_estimate(estimator, ell, np.exp(-ell), np.ones_like(ell))
        rho = pa / q[rows, a]
        steps.append((sigma, p, a, k, dk, rho, p * (ell_all - step_kl[:, None]), ell, o))
        if _t + 1 < m:  # the states after the last step are never read
            zeros = np.zeros(n, dtype=bool)
            states = [
                None if kern is None else kern.advance(s, rows, a, o, zeros, ctx) for kern, s in zip(kernels, states)
            ]
    weight = np.prod([s[5] for s in steps], axis=0) if (ratio == "sequence" and m) else np.ones(n)
    omega = [s[5] if ratio == "token" else np.ones(n) for s in steps]
    lsum = np.sum([s[7] for s in steps], axis=0) if m else np.zeros(n)
    if level == "token":
        estimate = weight * (np.sum([w * s[3] for w, s in zip(omega, steps)], axis=0) if m else np.zeros(n))
    elif estimator == "full":
        estimate = weight * float(trajectory_kl(policy, reference, env, m, history))
    else:
        estimate = weight * _sequence_value(ctx, estimator, lsum)
    grads = np.zeros((n,) + policy.parameter_shape)
    rtg = np.zeros(n)
    for t in range(m - 1, -1, -1):
        sigma, p, a, k, dk, rho, full_rows, _, _ = steps[t]
        score = -p.copy()
        score[rows, a] += 1
        coef = np.zeros(n)
        extra = None
        if level == "token":
            rtg = rtg + k
            if placement in ("reward", "both"):
                coef = coef + omega[t] * rtg
            if placement in ("loss", "both"):
                if estimator == "full":
                    extra = full_rows
                else:
                    assert dk is not None
                    coef = coef + omega[t] * dk
        else:
            if placement in ("reward", "both"):
                coef = coef + estimate / weight  # the sequence's value: the weight multiplies it below
            if placement in ("loss", "both") and estimator != "full":
                coef = coef + _sequence_derivative(ctx, estimator, lsum)
        contribution = weight[:, None] * coef[:, None] * score
        if extra is not None:
            contribution = contribution + weight[:, None] * extra
        grads[rows, sigma] += contribution  # one row per sample: no repeated index
    if level == "sequence" and estimator == "full" and placement in ("loss", "both"):
        grads = grads + weight[:, None, None] * kl_gradient(policy, reference, env, m, history)[None]
    mean_g = grads.mean(axis=0)
    se_g = grads.std(axis=0, ddof=1) / np.sqrt(n)
    _check_finite(ctx, [estimate.mean(), estimate.std(), *mean_g.reshape(-1), *se_g.reshape(-1)])
    return EstimatorSample(
        n=n,
        mean_estimate=float(estimate.mean()),
        se_estimate=float(estimate.std(ddof=1) / np.sqrt(n)),
        mean_gradient=mean_g,
        se_gradient=se_g,
    )


def _token_estimate(estimator: str, ell: np.ndarray, ratio: np.ndarray, ones: np.ndarray):
    """A token's estimate k(ℓ) and its derivative k'(ℓ) for k1, k2, k3, given ℓ, r = e^{−ℓ} = π_ref/π and ones."""
    if estimator == "k1":
        return ell, ones
    if estimator == "k2":
        return ell * ell / 2, ell
    k, dk = ratio - 1 + ell, 1 - ratio
    return k, dk
