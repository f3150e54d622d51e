"""Brute-force reference for the KL-estimator lab (the definitions of /work/wt/ESTIMATORS_SPEC.md, symbolically).

Independent of ``theory.estimators``: every trajectory is enumerated with :func:`itertools.product`; the policy
π_θ is rebuilt from sympy symbols θ[s, a] (π_θ(a|s) = e^{θ[s,a]} / Σ_b e^{θ[s,b]}, the state found by walking
the policy's transition table); the surrogate of each trajectory is written as a sympy expression of θ, its
gradient is taken with :func:`sympy.diff` and evaluated at θ[s, a] = ln p[s, a] (p the policy's exact emission
table). Ratios, rewards-to-go and sampling probabilities are constants evaluated at that point. The other kernels
are used only through ``reference.probs(h, arith="exact")``, ``sampling.probs(h, arith="exact")`` and
``env.probs(h, a, arith="exact")``. Values at the point are exact polynomials in logarithms of
primes (:class:`LogPoly`, canonical: two values are equal iff their difference has no terms); the results are
LogPolys (``.to_sympy()`` gives the sympy expression, :func:`equal` compares with the engine's Fractions, LogLinears
and sympy expressions).

Slow by design: keep to a few dozen trajectories.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
import sympy
from flint import arb, fmpq

ESTIMATORS = ("k1", "k2", "k3", "full")
PLACEMENTS = ("loss", "reward", "both")
LEVELS = ("token", "sequence")


class BruteRefused(ValueError):
    """A combination the spec refuses (the engine raises theory.OptionError)."""


class BruteInfinite(ValueError):
    """π_ref gives probability 0 to an action the sampling law takes: the estimate is infinite."""


def refused(estimator: str, level: str, off_policy: bool, ratio) -> bool:
    """The spec refuses ratio="token" off-policy for level="sequence" and for estimator="full"."""
    return off_policy and ratio == "token" and (level == "sequence" or estimator == "full")


# ---------------------------------------------------------------------------------------------------------------
# Exact numbers
# ---------------------------------------------------------------------------------------------------------------
def fraction(x) -> Fraction:
    """A rational (Fraction, int, sympy Rational) as a Fraction."""
    if isinstance(x, sympy.Basic):
        if not x.is_Rational:
            raise TypeError(f"not rational: {x}")
        return Fraction(int(x.p), int(x.q))
    return Fraction(x)


def rational(x) -> sympy.Rational:
    q = Fraction(x)
    return sympy.Rational(q.numerator, q.denominator)


@functools.cache
def _monomial_product(k1: tuple, k2: tuple) -> tuple:
    powers = dict(k1)
    for prime, e in k2:
        powers[prime] = powers.get(prime, 0) + e
    return tuple(sorted(powers.items()))


class LogPoly:
    """An exact polynomial with rational coefficients in logarithms of primes, ``Σ c · Π ln(p)^k``.

    Every value of the lab is one (ratios and probabilities are rational, ℓ is a difference of logarithms of
    rationals, k2 squares it, the variance squares the estimate). ``terms`` maps a monomial, a sorted tuple of
    ``(prime, power)``, to its Fraction coefficient; the form is canonical, so a value is zero iff it has no terms
    (taking products of logarithms of distinct primes to be algebraically independent, as Schanuel's conjecture
    says; every comparison that must come out unequal is also far from equal numerically).
    """

    __slots__ = ("terms",)

    def __init__(self, terms=None):
        self.terms = {k: v if type(v) is Fraction else Fraction(v) for k, v in (terms or {}).items() if v}

    @classmethod
    def log(cls, r) -> "LogPoly":
        """ln r over the primes of a positive rational r."""
        r = Fraction(r)
        if r <= 0:
            raise ValueError(f"logarithm of non-positive {r}")
        terms: dict = {}
        for n, sign in ((r.numerator, 1), (r.denominator, -1)):
            for prime, e in sympy.factorint(n).items():
                key = ((int(prime), 1),)
                terms[key] = terms.get(key, Fraction(0)) + sign * e
        return cls(terms)

    @classmethod
    def of(cls, x) -> "LogPoly":
        """An exact value as a LogPoly: int, Fraction, theory.LogLinear, or a sympy expression built from
        rationals, +, ×, integer powers and logarithms of rationals."""
        if isinstance(x, LogPoly):
            return x
        if isinstance(x, (int, np.integer, Fraction)):
            return cls({(): Fraction(x)})
        if hasattr(x, "rational") and hasattr(x, "terms"):  # theory.LogLinear: q + Σ c·ln r
            out = cls({(): x.rational})
            for r, c in x.terms.items():
                out = out + cls.log(r) * c
            return out
        return cls._of_sympy(sympy.sympify(x))

    @classmethod
    def _of_sympy(cls, e) -> "LogPoly":
        if e.is_Rational:
            return cls({(): Fraction(int(e.p), int(e.q))})
        if e.is_Add:
            return sum((cls._of_sympy(a) for a in e.args), cls())
        if e.is_Mul:
            out = cls({(): Fraction(1)})
            for a in e.args:
                out = out * cls._of_sympy(a)
            return out
        if e.is_Pow and e.exp.is_Integer:
            base = cls._of_sympy(e.base)
            n = int(e.exp)
            if n >= 0:
                return base**n
            if set(base.terms) <= {()}:
                return cls({(): base.terms.get((), Fraction(0)) ** n})
        if isinstance(e, sympy.log) and e.args[0].is_Rational:
            return cls.log(Fraction(int(e.args[0].p), int(e.args[0].q)))
        raise TypeError(f"not a polynomial in logarithms of rationals: {e}")

    # -- arithmetic ------------------------------------------------------------------------------------------
    def __add__(self, other):
        other = LogPoly.of(other)
        terms = dict(self.terms)
        for k, v in other.terms.items():
            terms[k] = terms.get(k, Fraction(0)) + v
        return LogPoly(terms)

    __radd__ = __add__

    def __neg__(self):
        return LogPoly({k: -v for k, v in self.terms.items()})

    def __sub__(self, other):
        return self + (-LogPoly.of(other))

    def __rsub__(self, other):
        return LogPoly.of(other) - self

    def __mul__(self, other):
        if isinstance(other, (int, Fraction)):
            return LogPoly({k: v * other for k, v in self.terms.items()})
        other = LogPoly.of(other)
        terms: dict = {}
        for k1, v1 in self.terms.items():
            for k2, v2 in other.terms.items():
                key = _monomial_product(k1, k2)
                terms[key] = terms[key] + v1 * v2 if key in terms else v1 * v2
        return LogPoly(terms)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = LogPoly.of(other)
        if set(other.terms) != {()}:
            raise TypeError("division by a non-rational")
        return self * LogPoly({(): 1 / other.terms[()]})

    def __pow__(self, n: int):
        out = LogPoly({(): Fraction(1)})
        for _ in range(n):
            out = out * self
        return out

    def is_zero(self) -> bool:
        return not self.terms

    def rational(self) -> Fraction | None:
        """The value if it is rational, else None."""
        return self.terms.get((), Fraction(0)) if set(self.terms) <= {()} else None

    def to_sympy(self):
        terms = []
        for k, v in self.terms.items():
            factors = [sympy.log(sympy.Integer(prime)) ** e for prime, e in k]
            terms.append(sympy.Mul(sympy.Rational(v.numerator, v.denominator), *factors))
        return sympy.Add(*terms)

    def enclosure(self, prec: int = 300) -> arb:
        """An arb ball containing the value."""
        with flint.ctx.workprec(prec):
            total = arb(0)
            for k, v in self.terms.items():
                term = arb(fmpq(v.numerator, v.denominator))
                for prime, e in k:
                    term *= arb(prime).log() ** e
                total += term
            return total

    def __float__(self) -> float:
        return float(self.enclosure(200).mid())

    def __repr__(self) -> str:
        return f"LogPoly({self.to_sympy()})"


def to_sympy(x):
    """An exact value (int, Fraction, theory.LogLinear, sympy, LogPoly) as a sympy expression in canonical form."""
    return LogPoly.of(x).to_sympy()


def canonical(x):
    """The canonical sympy form of an exact value (a polynomial in logarithms of primes)."""
    return LogPoly.of(x).to_sympy()


def equal(a, b) -> bool:
    """Exact equality of two exact values (int, Fraction, LogLinear, sympy, LogPoly)."""
    return (LogPoly.of(a) - LogPoly.of(b)).is_zero()


def to_float(x) -> float:
    return float(LogPoly.of(x))


# ---------------------------------------------------------------------------------------------------------------
# The symbolic model
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BruteMoments:
    expected_estimate: LogPoly
    variance: LogPoly
    expected_gradient: np.ndarray  # (S, A) object array of LogPoly

    def to_sympy(self) -> tuple:
        """(expected estimate, variance, expected gradient) as sympy expressions."""
        grad = np.vectorize(lambda v: v.to_sympy(), otypes=[object])(self.expected_gradient)
        return self.expected_estimate.to_sympy(), self.variance.to_sympy(), grad


def k_of(estimator: str, ell):
    """k(ℓ) as a sympy expression, from the spec's table."""
    if estimator == "k1":
        return ell
    if estimator == "k2":
        return ell**2 / 2
    if estimator == "k3":
        return sympy.exp(-ell) - 1 + ell
    raise ValueError(estimator)


class Model:
    """π_θ (a finite-state policy with positive emission), π_ref, μ, horizon m and start history h0, symbolically.

    ``policy`` needs ``emission(arith="exact")``, ``transition`` and ``initial_state`` (a FiniteStatePolicy or
    a SoftmaxPolicy); the state at a history is found by walking ``transition``.
    """

    def __init__(self, policy, reference, env, horizon: int, history=()):
        self.policy, self.reference, self.env = policy, reference, env
        self.horizon = int(horizon)
        self.history = tuple((int(step[0]), int(step[1])) for step in history)
        emission = policy.emission(arith="exact")
        self.n_states, self.n_actions = emission.shape
        self.n_observations = env.n_observations
        self.p = [[rational(emission[s, a]) for a in range(self.n_actions)] for s in range(self.n_states)]
        if any(v <= 0 for row in self.p for v in row):
            raise ValueError("a softmax policy needs every emission entry > 0")
        self.theta = [
            [sympy.Symbol(f"theta_{s}_{a}", real=True) for a in range(self.n_actions)] for s in range(self.n_states)
        ]
        self.point = {
            self.theta[s][a]: sympy.log(self.p[s][a]) for s in range(self.n_states) for a in range(self.n_actions)
        }
        self._kernel_cache: dict = {}
        self._grad_cache: dict = {}
        self._kl_theta = None
        steps = list(itertools.product(range(self.n_actions), range(self.n_observations)))
        # Every trajectory the environment allows (the policy is positive everywhere).
        self.paths = [x for x in itertools.product(steps, repeat=self.horizon) if self.env_prob(x) > 0]

    # -- kernels -------------------------------------------------------------------------------------------------
    def state(self, h) -> int:
        s = int(self.policy.initial_state)
        for a, o in h:
            s = int(self.policy.transition[s, a, o])
        return s

    def _probs(self, kernel, h):
        key = (id(kernel), h)
        if key not in self._kernel_cache:
            self._kernel_cache[key] = [rational(v) for v in kernel.probs(h, arith="exact")]
        return self._kernel_cache[key]

    def ref(self, h, a):
        return self._probs(self.reference, h)[a]

    def pi_point(self, h, a):
        """π(a|h) at the evaluation point (checked against the policy's own kernel)."""
        value = self.p[self.state(h)][a]
        assert value == self._probs(self.policy, h)[a], (h, a)
        return value

    def obs(self, h, a, o):
        key = ("env", h, a)
        if key not in self._kernel_cache:
            self._kernel_cache[key] = [rational(v) for v in self.env.probs(h, a, arith="exact")]
        return self._kernel_cache[key][o]

    def histories(self, x):
        """The (h_t, a_t, o_t) of each step of trajectory x (h_t includes the start history)."""
        h = self.history
        out = []
        for a, o in x:
            out.append((h, a, o))
            h = h + ((a, o),)
        return out

    def env_prob(self, x):
        out = sympy.Integer(1)
        for h, a, o in self.histories(x):
            out *= self.obs(h, a, o)
        return out

    def prob(self, x, law):
        """Probability of x under ``law`` (a Policy) and μ; ``law=None`` means π at the point."""
        out = sympy.Integer(1)
        for h, a, o in self.histories(x):
            out *= (self.pi_point(h, a) if law is None else self._probs(law, h)[a]) * self.obs(h, a, o)
        return out

    # -- symbolic pieces -----------------------------------------------------------------------------------------
    def log_pi(self, h, a):
        row = self.theta[self.state(h)]
        return row[a] - sympy.log(sum(sympy.exp(t) for t in row))

    def pi_theta(self, h, a):
        row = self.theta[self.state(h)]
        return sympy.exp(row[a]) / sum(sympy.exp(t) for t in row)

    def ell(self, h, a):
        """ℓ(h, a)(θ) = ln π_θ(a|h) − ln π_ref(a|h)."""
        r = self.ref(h, a)
        if r == 0:
            raise BruteInfinite(f"π_ref gives action {a} probability 0 at history {h}")
        return self.log_pi(h, a) - sympy.log(r)

    def kl_step(self, h):
        """KL_t(θ) = Σ_a π_θ(a|h) ℓ(h, a)(θ), the whole-distribution value at h."""
        return sum(self.pi_theta(h, a) * self.ell(h, a) for a in range(self.n_actions))

    def prob_theta(self, x):
        out = sympy.Integer(1)
        for h, a, o in self.histories(x):
            out *= self.pi_theta(h, a) * self.obs(h, a, o)
        return out

    def kl_forward_theta(self):
        """KL^μ_{h0,m}(π_θ‖π_ref) as a sympy expression of θ."""
        if self._kl_theta is None:
            self._kl_theta = self._kl_forward_theta()
        return self._kl_theta

    def _kl_forward_theta(self):
        return sum(self.prob_theta(x) * sum(self.ell(h, a) for h, a, _ in self.histories(x)) for x in self.paths)

    def kl_reverse_theta(self):
        """KL^μ_{h0,m}(π_ref‖π_θ) as a sympy expression of θ."""
        total = sympy.Integer(0)
        for x in self.paths:
            q = self.prob(x, self.reference)
            if q == 0:
                continue
            total += q * sum(sympy.log(self.ref(h, a)) - self.log_pi(h, a) for h, a, _ in self.histories(x))
        return total

    def estimate_theta(self, x, estimator, level):
        """K(x)(θ) on-policy (λ = ω = 1)."""
        steps = self.histories(x)
        if estimator == "full":
            if level == "token":
                return sum(self.kl_step(h) for h, _, _ in steps)
            return self.kl_forward_theta()
        if level == "token":
            return sum(k_of(estimator, self.ell(h, a)) for h, a, _ in steps)
        return k_of(estimator, sum(self.ell(h, a) for h, a, _ in steps))

    # -- evaluation ----------------------------------------------------------------------------------------------
    def at(self, expr) -> LogPoly:
        """The value of a sympy expression of θ at the point, exactly."""
        return LogPoly.of(sympy.sympify(expr).xreplace(self.point))

    def grad(self, expr) -> np.ndarray:
        """∇_θ expr at the point, an (S, A) object array (cached per expression)."""
        expr = sympy.sympify(expr)
        out = self._grad_cache.get(expr)
        if out is None:
            out = np.empty((self.n_states, self.n_actions), dtype=object)
            for s in range(self.n_states):
                for a in range(self.n_actions):
                    out[s, a] = self.at(sympy.diff(expr, self.theta[s][a]))
            self._grad_cache[expr] = out
        return out

    def zeros(self) -> np.ndarray:
        out = np.empty((self.n_states, self.n_actions), dtype=object)
        for idx in np.ndindex(out.shape):
            out[idx] = LogPoly()
        return out

    # -- the lab's quantities ------------------------------------------------------------------------------------
    def moments(self, estimator, placement, level, sampling=None, ratio=None) -> BruteMoments:
        """Expected estimate E_q[λK], its variance, and the expected gradient E_q[g] (spec definitions)."""
        if estimator not in ESTIMATORS or placement not in PLACEMENTS or level not in LEVELS:
            raise BruteRefused((estimator, placement, level))
        if ratio not in (None, "token", "sequence"):
            raise BruteRefused(ratio)
        off = sampling is not None
        if refused(estimator, level, off, ratio):
            raise BruteRefused((estimator, level, ratio))
        if not off:
            ratio = None  # on-policy every ratio is 1
        mean, second, grad = LogPoly(), LogPoly(), self.zeros()
        kl_theta = self.kl_forward_theta() if (estimator, level) == ("full", "sequence") else None
        for x in self.paths:
            q = fraction(self.prob(x, sampling))
            if q == 0:
                continue
            steps = self.histories(x)
            one = Fraction(1)
            rho = [fraction(self.pi_point(h, a) / self._probs(sampling, h)[a]) if off else one for h, a, _ in steps]
            lam = math.prod(rho) if ratio == "sequence" else one
            omega = rho if ratio == "token" else [one] * len(steps)
            scores = [self.grad(self.log_pi(h, a)) for h, a, _ in steps]
            loss, reward = self.zeros(), self.zeros()
            if level == "token":
                terms = [
                    self.kl_step(h) if estimator == "full" else k_of(estimator, self.ell(h, a)) for h, a, _ in steps
                ]
                values = [self.at(t) for t in terms]
                K = sum((v * w for w, v in zip(omega, values)), LogPoly())
                for t, term in enumerate(terms):
                    loss = loss + self.grad(term) * (lam * omega[t])
                    reward = reward + scores[t] * (sum(values[t:], LogPoly()) * (lam * omega[t]))
            else:
                if estimator == "full":
                    K = self.at(kl_theta)
                    loss = self.grad(kl_theta) * lam  # the weight multiplies everything: E_q[λ]·∇KL^μ
                else:
                    K_theta = k_of(estimator, sum(self.ell(h, a) for h, a, _ in steps))
                    K = self.at(K_theta)
                    loss = self.grad(K_theta) * lam
                reward = sum(scores, self.zeros()) * (K * lam)
            g = {"loss": loss, "reward": reward, "both": loss + reward}[placement]
            mean = mean + K * (q * lam)
            second = second + K * K * (q * lam * lam)
            grad = grad + g * q
        variance = second - mean * mean
        return BruteMoments(mean, variance, grad)

    def kl_gradient(self, direction="forward") -> np.ndarray:
        """∇_θ KL^μ(π_θ‖π_ref) ("forward") or ∇_θ KL^μ(π_ref‖π_θ) ("reverse")."""
        expr = self.kl_forward_theta() if direction == "forward" else self.kl_reverse_theta()
        return self.grad(expr).copy()

    def kl(self, direction="forward"):
        expr = self.kl_forward_theta() if direction == "forward" else self.kl_reverse_theta()
        return self.at(expr)

    def gradient_of_expected_estimate(self, estimator, level) -> np.ndarray:
        """∇_θ E_θ[K] on-policy: the trajectory law differentiated too (fact 7's right-hand side)."""
        expr = sum(self.prob_theta(x) * self.estimate_theta(x, estimator, level) for x in self.paths)
        return self.grad(expr).copy()

    def expected_estimate_theta_value(self, estimator, level):
        """E_θ[K] on-policy at the point (computed from the symbolic law, as a cross-check of moments)."""
        expr = sum(self.prob_theta(x) * self.estimate_theta(x, estimator, level) for x in self.paths)
        return self.at(expr)
