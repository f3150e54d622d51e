"""A small trusted kernel: re-checks refutation and witness certificates from their instances alone.

The de Bruijn criterion: whatever the search, the engine and the arithmetic contexts do, a certificate is
believed only if this package agrees: short enough to audit in an hour (826 lines here and 140 in
:mod:`.lp`, docstrings included). It imports only the Python standard library (``fractions``, ``json``,
``itertools``, ``math.gcd``), nothing from ``theory``, python-flint, numpy, sympy or mpmath. It reads the
certificate's JSON instance (exact rationals ``{"q": "a/b"}``, finite-state tables), and for each covered claim

* enumerates the (small, shrunk) history trees by brute force in rational arithmetic (:class:`Fraction`);
* writes logarithms as exact linear forms ``c + Σ e_b ln b`` over a coprime integer basis (so an exact zero
  is recognised exactly), and bounds them, and exponentials, by rigorous rational series (``ln`` by the atanh
  series after range reduction by powers of 2, ``exp`` by Taylor's series with its tail bound and squaring)
  into rational intervals, refined until every part's sign is decided (or "undecided" after a cap);
* checks LP optima through stored dual solutions exactly (:func:`check_lp`: feasibility and complementary
  slackness), read from the certificate field ``lp_dual`` (:mod:`.lp` rebuilds each program itself);
* decides each part's relation, and accepts only if the recorded ``holds`` agree part by part and the kind is
  proved (a refutation: every hypothesis part holds and some other part is violated; a witness: all hold).

Each claim's evaluator is written from the claim's statement (``/work/shared/spec/claims.md`` and the claim
modules' docstrings), not from the engine's code. Claims it cannot check raise :class:`NotCovered` with the
reason; :data:`NOT_COVERED` lists them.

>>> lo, hi = ln_bounds(Fraction(2), 100)      # ln 2 = 0.69314718055994530941723212145817656807...
>>> lo < Fraction("0.693147180559945309417232121458176568") < hi and hi - lo < Fraction(1, 2**95)
True
>>> d = lambda a, b: {"tuple": [{"q": str(a)}, {"q": str(b)}]}     # π = β = (1/2, 1/2), τ = (δ, 1 − δ)
>>> tau, half = d(Fraction(1, 10**99), 1 - Fraction(1, 10**99)), d("1/2", "1/2")
>>> check({"claim": "conj-kl-triangle", "kind": "refutation", "parts": [{"holds": False}],
...        "instance": {"dict": {"pi": half, "beta": half, "tau": tau}}}).ok
True
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from math import gcd

__all__ = [
    "check",
    "check_file",
    "KernelResult",
    "KernelError",
    "NotCovered",
    "ln_bounds",
    "exp_bounds",
    "LogLin",
    "check_lp",
    "COVERED",
    "NOT_COVERED",
]

INF = float("inf")  # a sentinel: compared by identity-like equality only, never used in arithmetic that decides


class KernelError(ValueError):
    """A certificate the kernel cannot read, or whose instance is outside its claim's domain."""


class NotCovered(KernelError):
    """The kernel has no evaluator for this claim or this kind of instance (the message says why)."""


# -- rational intervals with outward rounding to 2^-p ---------------------------------------------------------
def _down(x: Fraction, p: int) -> Fraction:
    return Fraction((x.numerator << p) // x.denominator, 1 << p)


def _up(x: Fraction, p: int) -> Fraction:
    return -_down(-x, p)


class Iv:
    """A closed rational interval [lo, hi]; every operation rounds outward to multiples of 2^-p."""

    def __init__(self, lo, hi=None, p=64):
        self.lo, self.hi, self.p = Fraction(lo), Fraction(lo if hi is None else hi), p
        if self.lo > self.hi:
            raise KernelError(f"empty interval [{self.lo}, {self.hi}]")

    def _r(self, lo, hi):
        return Iv(_down(lo, self.p), _up(hi, self.p), self.p)

    def __add__(self, o):
        o = _iv(o, self.p)
        return self._r(self.lo + o.lo, self.hi + o.hi)

    def __neg__(self):
        return Iv(-self.hi, -self.lo, self.p)

    def __sub__(self, o):
        return self + (-_iv(o, self.p))

    def __mul__(self, o):
        o = _iv(o, self.p)
        c = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi]
        return self._r(min(c), max(c))

    def __truediv__(self, o):
        o = _iv(o, self.p)
        if o.lo <= 0 <= o.hi:
            raise KernelError("interval division by an interval containing 0")
        return self * self._r(1 / o.hi, 1 / o.lo)

    __radd__, __rmul__ = __add__, __mul__

    def sign(self):
        return 1 if self.lo > 0 else -1 if self.hi < 0 else (0 if self.lo == self.hi == 0 else None)


def _iv(x, p):
    return x if isinstance(x, Iv) else Iv(x, x, p)


def _atanh(z: Fraction, p: int) -> Iv:
    """atanh(z) for |z| ≤ 1/3: Σ_j z^(2j+1)/(2j+1); the tail after n terms is ≤ |z|^(2n+1)/((2n+1)(1−z²))."""
    if abs(z) > Fraction(1, 3):
        raise KernelError(f"atanh series called outside |z| ≤ 1/3: {z}")
    zb = _up(abs(z), 2 * p)
    zb2 = _up(zb * zb, 2 * p)  # zb2 ≥ z² and zb2 ≤ 1/9 + 2^-2p: 1 − zb2 > 0
    zi = Iv(_down(z, 2 * p), _up(z, 2 * p), 2 * p)  # z enclosed by short dyadics: cheap products
    s, pw, sq, tp, n = Iv(0, 0, p), zi, zi * zi, zb, 0  # tp ≥ |z|^(2n+1)
    while z:
        s, n = s + pw / (2 * n + 1), n + 1
        pw, tp = pw * sq, _up(tp * zb2, 2 * p)
        tail = tp / ((2 * n + 1) * (1 - zb2))
        if tail < Fraction(1, 1 << (p + 2)):
            return s + Iv(-tail, tail, p)
    return s


_LN: dict = {}  # (x, prec) -> bounds: a cache (the bounds of a value never change)


def ln_bounds(x: Fraction, prec: int = 64) -> tuple:
    """Rational (lo, hi) with lo ≤ ln x ≤ hi and hi − lo ≲ 2^-prec·(1 + |log2 x|), for rational x > 0.

    >>> lo, hi = ln_bounds(Fraction(1, 3), 60); lo < Fraction("-1.09861228866810969139524523692") < hi
    True
    """
    x = Fraction(x)
    if x <= 0:
        raise KernelError(f"ln of {x} ≤ 0")
    if (x, prec) in _LN:
        return _LN[x, prec]
    k = x.numerator.bit_length() - x.denominator.bit_length()  # y = x / 2^k lies in (1/2, 2)
    p, y = prec + 8 + abs(k).bit_length(), x / Fraction(2) ** k  # ln 2 = 2·atanh(1/3), ln y = 2·atanh((y−1)/(y+1))
    r = 2 * _atanh((y - 1) / (y + 1), p) + 2 * _atanh(Fraction(1, 3), p) * k
    if len(_LN) > 1 << 14:
        _LN.clear()
    _LN[x, prec] = r.lo, r.hi
    return r.lo, r.hi


def exp_bounds(x: Fraction, prec: int = 64) -> tuple:
    """Rational (lo, hi) with lo ≤ exp x ≤ hi, for rational x (|x| ≤ 2^20).

    >>> lo, hi = exp_bounds(Fraction(1), 60); lo < Fraction("2.71828182845904523536028747135") < hi
    True
    """
    x = Fraction(x)
    if abs(x) > 1 << 20:
        raise KernelError(f"exp of {float(x):g} is out of the kernel's range")
    s = int(-(-2 * abs(x) // 1)).bit_length()  # 2^s > ⌈2|x|⌉ - 1, so |x|/2^s ≤ 1/2
    y, p = x / (1 << s), prec + 2 * s + 16  # |y| ≤ 1/2; each squaring at most doubles the relative error
    total, term, t, n = Iv(0, 0, p), Iv(1, 1, p), Fraction(1), 0
    while True:  # Taylor: the tail after n terms is ≤ 2|y|^n/n! for |y| ≤ 1/2 (t bounds |y|^n/n! above)
        total, n = total + term, n + 1
        term, t = term * y / n, _up(t * abs(y) / n, 2 * p)
        if 2 * t < Fraction(1, 1 << (p + 2)):
            total = total + Iv(-2 * t, 2 * t, p)
            break
    for _ in range(s):
        total = total * total
    return total.lo, total.hi


def _exp_iv(x: Iv) -> Iv:  # exp and ln are increasing: bound each end
    return Iv(exp_bounds(x.lo, x.p)[0], exp_bounds(x.hi, x.p)[1], x.p)


def _ln_iv(x: Iv) -> Iv:
    return Iv(ln_bounds(x.lo, x.p)[0], ln_bounds(x.hi, x.p)[1], x.p)  # ln_bounds refuses x ≤ 0


# -- exact linear forms in logarithms ---------------------------------------------------------------------------
class LogLin:
    """``const + Σ coef·ln(arg)`` with rational constants, coefficients and positive rational arguments."""

    def __init__(self, const=Fraction(0), terms=None):
        self.const, self.terms = Fraction(const), {k: v for k, v in (terms or {}).items() if v}

    @staticmethod
    def ln(x):
        if Fraction(x) <= 0:
            raise KernelError(f"ln of {x} ≤ 0")
        return LogLin(0, {Fraction(x): Fraction(1 if x != 1 else 0)})

    def __add__(self, o):
        o, t = _ll(o), dict(self.terms)
        for k, v in o.terms.items():
            t[k] = t.get(k, 0) + v
        return LogLin(self.const + o.const, t)

    def __mul__(self, c):
        return LogLin(self.const * Fraction(c), {k: v * Fraction(c) for k, v in self.terms.items()})

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-_ll(o))

    __radd__, __rmul__ = __add__, __mul__

    def reduced(self) -> "LogLin":
        """The same number over a coprime basis of integers > 1 (multiplicatively independent): it is zero iff
        every coefficient is zero and the constant is zero."""
        basis, out = [], {}
        for r in self.terms:
            _insert(basis, r.numerator)
            _insert(basis, r.denominator)
        for r, c in self.terms.items():
            for n, sgn in ((r.numerator, 1), (r.denominator, -1)):
                for b in basis:
                    while n % b == 0:
                        n, out[b] = n // b, out.get(b, 0) + sgn * c
        return LogLin(self.const, {Fraction(b): v for b, v in out.items()})

    def interval(self, prec: int) -> Iv:
        out = Iv(self.const, self.const, prec + 8)
        for r, c in self.terms.items():
            lo, hi = ln_bounds(r, prec + 8 + abs(c).numerator.bit_length())
            out = out + Iv(lo, hi, prec + 8) * c
        return out


def _insert(basis: list, n: int) -> None:
    """Refine a coprime basis so that n is a product of its elements."""
    work = [n]
    while work:
        x = work.pop()
        if x == 1:
            continue
        for i, b in enumerate(basis):
            g = gcd(x, b)
            if g == 1:
                continue
            if g == b:
                work.append(x // b)
            else:
                basis.pop(i)
                work += [g, b // g] + ([x // g] if x != g else [])
            break
        else:
            basis.append(x)


def _ll(x):
    return x if isinstance(x, LogLin) else LogLin(Fraction(x))


# -- deciding a relation ----------------------------------------------------------------------------------------
def _sign(x, prec: int):
    """Sign of a finite value (Fraction, LogLin or Iv): -1, 0, 1, or None when the bounds do not decide it."""
    if isinstance(x, Iv):
        return x.sign()
    if isinstance(x, LogLin):
        x = x.reduced()
        if not x.terms:
            return (x.const > 0) - (x.const < 0)
        return x.interval(prec).sign()  # a non-zero form: never 0, so None means "not yet separated"
    x = Fraction(x)
    return (x > 0) - (x < 0)


def _minus(a, b, prec):
    if isinstance(a, Iv) or isinstance(b, Iv):
        a, b = (v.interval(prec) if isinstance(v, LogLin) else v for v in (a, b))
        return _iv(a, prec) - b
    return _ll(a) - b if isinstance(a, LogLin) or isinstance(b, LogLin) else Fraction(a) - Fraction(b)


def decide(lhs, rel: str, rhs, prec: int = 64):
    """True/False for ``lhs rel rhs`` (values: Fraction, LogLin, Iv or INF), None if undecided at ``prec``.

    >>> decide(LogLin.ln(4), "==", LogLin.ln(2) * 2), decide(LogLin.ln(3), "<", Fraction(11, 10))
    (True, True)
    """
    inf = lhs is INF or rhs is INF  # infinities compare by which side is infinite (finite values lie between)
    cmp = (0 if lhs is rhs else (1 if lhs is INF else -1)) if inf else _sign(_minus(lhs, rhs, prec), prec)
    if cmp is None:
        return None
    return {"<=": cmp <= 0, "<": cmp < 0, ">=": cmp >= 0, ">": cmp > 0, "==": cmp == 0}[rel]


def _max(values, prec=64):
    """The largest of finite or infinite values, decided exactly (or KernelError if two cannot be ordered)."""
    best = None
    for v in values:
        if best is None or v is INF:
            best = v
        elif best is not INF:
            d = None
            for p in (prec, prec * 4, prec * 16, prec * 64):
                d = decide(v, ">", best, p) if d is None else d
            if d is None:
                raise KernelError("two candidates of a maximum cannot be ordered")
            best = v if d else best
    return best


# -- instances: plain JSON to kernel objects --------------------------------------------------------------------
def _q(d) -> Fraction:
    if isinstance(d, dict) and set(d) == {"q"} and isinstance(d["q"], str) or isinstance(d, str):
        return Fraction(d if isinstance(d, str) else d["q"])
    raise KernelError(f"expected an exact rational, got {str(d)[:80]!r}")


def _table(t):
    return [_table(x) for x in t] if isinstance(t, list) else _q(t)


class FSM:
    """A finite-state policy (emission[s] over actions) or environment (emission[s][a] over observations)."""

    def __init__(self, body, semi=False):
        self.em, self.tr = _table(body["emission"]), body["transition"]
        self.s0, self.semi = int(body.get("initial_state", 0)), bool(semi)
        self.n_actions, self.n_obs = len(self.tr[0]), len(self.tr[0][0])
        if any(not 0 <= t < len(self.em) for s in self.tr for row in s for t in row) or len(self.tr) != len(self.em):
            raise KernelError("a transition table names a state outside the emission table")
        rows = self.em if semi or not isinstance(self.em[0][0], list) else [r for s in self.em for r in s]
        for row in rows:
            if any(v < 0 for v in row) or (sum(row) != 1 if not semi else sum(row) > 1):
                raise KernelError(f"emission row {row} is not a {'semi-' if semi else ''}distribution")

    def state(self, h):
        s = self.s0
        for a, o, *_ in h:
            if a < 0 or o < 0:
                raise KernelError(f"history step {(a, o)} has a negative index")
            s = self.tr[s][a][o]
        return s

    def probs(self, h, a=None):
        return list(self.em[self.state(h)] if a is None else self.em[self.state(h)][a])


class Mixture:
    """ξ(a|h) = Σ_i w_i(h) ν_i(a|h), w_i(h) ∝ w_i Π ν_i(a_k|h_<k) over the corpus episodes and h."""

    def __init__(self, comps, prior, update="all", corpus=()):
        self.comps, self.prior, self.update, self.corpus = comps, prior, update, corpus
        self.n_actions, self.n_obs = comps[0].n_actions, comps[0].n_obs
        self.semi = any(c.semi for c in comps)

    def _lik(self, c, h):
        out = Fraction(1)
        for t, (a, _o, *f) in enumerate(h):
            if self.update == "all" or not f or f[0]:
                out *= c.probs(h[:t])[a]
        return out

    def posterior(self, h):
        w = [p * self._lik(c, h) for c, p in zip(self.comps, self.prior)]
        for e in self.corpus:  # independent episodes, each from the empty history
            w = [x * self._lik(c, e) for x, c in zip(w, self.comps)]
        if sum(w) == 0:
            raise KernelError(f"the mixture rules out the history {h}")
        return [x / sum(w) for x in w]

    def probs(self, h):
        w = self.posterior(h)
        return [sum(wi * c.probs(h)[a] for wi, c in zip(w, self.comps)) for a in range(self.n_actions)]


class Fn:
    """A policy given by a function of the history (a list of action probabilities)."""

    def __init__(self, fn, n_actions, n_obs, semi):
        self.probs, self.n_actions, self.n_obs, self.semi = fn, n_actions, n_obs, semi


def load(d):
    """An instance value from its JSON form (the inverse of ``proofs_checks.instances.encode``)."""
    if d is None or isinstance(d, (bool, str, int)):
        return d
    if not isinstance(d, dict) or len(d) != 1:
        raise KernelError(f"cannot read {str(d)[:80]!r} as an instance value")
    ((tag, b),) = d.items()
    if tag == "mixture":
        prior = [_q(w) for w in b["prior"]]
        if any(w <= 0 for w in prior) or sum(prior) > 1:
            raise KernelError("a mixture's prior must be positive weights summing to at most 1")
        return Mixture(
            [load(c) for c in b["components"]], prior, b.get("update", "all"), [load(h) for h in b.get("corpus", [])]
        )
    if tag == "program":
        raise NotCovered("programs of the policy language need the language's decoder, which the kernel lacks")
    readers = {
        "q": lambda: _q(d),
        "dict": lambda: {k: load(v) for k, v in b.items()},
        "tuple": lambda: tuple(load(v) for v in b),
        "list": lambda: tuple(load(v) for v in b),
        "finite_state_policy": lambda: FSM(b, semi=b.get("semi", False)),
        "finite_state_environment": lambda: FSM(b),
        "function_policy": lambda: load(b["of"]),
        "mean_reward": lambda: ("mean_reward", _table(b)),
        "history_table_utility": lambda: (
            "history_table",
            [_q(v) for v in b["values"]],
            b["multiplier"],
            b["action_coef"],
            b["observation_coef"],
        ),
    }
    if tag not in readers:
        raise KernelError(f"unknown instance value tag {tag!r}")
    return readers[tag]()


# -- brute-force measures ---------------------------------------------------------------------------------------
def kl(p, q, convention="outcome"):
    """Σ p ln(p/q) over the outcomes (⊥ = the missing mass one more outcome unless convention="actions")."""
    p, q = list(p), list(q)
    if min(p + q) < 0 or sum(p) > 1 or sum(q) > 1:
        raise KernelError(f"KL of {p}, {q}: not (semi-)distributions")
    if convention == "outcome":
        p, q = p + [1 - sum(p)], q + [1 - sum(q)]
    out = LogLin()
    for x, y in zip(p, q):
        if x > 0:
            if y == 0:
                return INF
            out = out + LogLin.ln(x / y) * x
    return out


def tvd(p, q):
    p, q = list(p) + [1 - sum(p)], list(q) + [1 - sum(q)]
    return sum((abs(x - y) for x, y in zip(p, q)), Fraction(0)) / 2


def _steps(pi, env, h, weight):
    """(a, o, probability) of π's next step and μ's observation after h (⊥ ends the trajectory)."""
    p = pi.probs(h)
    for a, pa in enumerate(p):
        if pa > 0:
            for o, po in enumerate(env.probs(h, a)):
                if po > 0:
                    yield a, o, weight * pa * po


def trajectory_kl(pi, beta, env, m, h=(), convention="outcome"):
    """E over π,μ trajectories from h of the sum of per-step KLs (the chain rule of the expected KL)."""
    total, frontier = LogLin(), [(tuple(h), Fraction(1))]
    for _ in range(m):
        nxt = []
        for g, w in frontier:
            step = kl(pi.probs(g), beta.probs(g), convention)
            if step is INF:
                return INF
            total = total + step * w
            nxt += [(g + ((a, o),), pw) for a, o, pw in _steps(pi, env, g, w)]
        frontier = nxt
    return total


def _fixed_obs_kl(pi, beta, h, obs, convention):
    """KL of π's and β's action-sequence laws with the observations ``obs`` held fixed (⊥ ends a trajectory)."""
    total, frontier = LogLin(), [(tuple(h), Fraction(1))]
    for o in obs:
        nxt = []
        for g, w in frontier:
            step = kl(pi.probs(g), beta.probs(g), convention)
            if step is INF:
                return INF
            total, nxt = total + step * w, nxt + [(g + ((a, o),), w * pa) for a, pa in enumerate(pi.probs(g)) if pa]
        frontier = nxt
    return total


def worst_case_kl(pi, beta, env, m, h=(), convention="outcome"):
    """Definition 2: max over observation sequences o_1..o_m of the KL of the action-sequence laws."""
    return _max(_fixed_obs_kl(pi, beta, h, obs, convention) for obs in itertools.product(range(env.n_obs), repeat=m))


def trajectory_tvd(pi, beta, env, m, h=()):
    """½ Σ over trajectories (⊥-ended ones included) of |P^{π,μ} − P^{β,μ}|."""
    if pi.semi or beta.semi:
        raise NotCovered("trajectory TVD of abstaining policies")
    law = {}
    for who, pol in ((0, pi), (1, beta)):
        frontier = [(tuple(h), Fraction(1))]
        for _ in range(m):
            frontier = [(g + ((a, o),), pw) for g, w in frontier for a, o, pw in _steps(pol, env, g, w)]
        for g, w in frontier:
            law.setdefault(g, [0, 0])[who] += w
    return sum((abs(x - y) for x, y in law.values()), Fraction(0)) / 2


def _utility(u, start, new):
    if u[0] == "mean_reward":
        return sum((u[1][a][o] for a, o, *_ in new), Fraction(0)) / len(new)
    vals, mul, ac, oc = u[1:]
    s = 0
    for a, o, *_ in tuple(start) + tuple(new):
        s = (mul * s + ac * a + oc * o + 1) % len(vals)
    return vals[s]


def q_star(env, u, m, h):
    """Exact expectimax Q*(h, a) for every action (utility of the full history at depth m)."""

    def v(g, d):
        return _utility(u, h, g[len(h) :]) if d == m else max(q(g, d, a) for a in range(env.n_actions))

    def q(g, d, a):
        return sum((po * v(g + ((a, o),), d + 1) for o, po in enumerate(env.probs(g, a)) if po > 0), Fraction(0))

    return [q(tuple(h), 0, a) for a in range(env.n_actions)]


def gibbs_root(beta, env, u, m, lam, h, prec):
    """π_λ(·|h) ∝ β(·|h)·exp(Q_λ(h,·)/λ), Q_λ(g,a) = E_o W(gao), W(g) = λ ln Σ_b β(b|g) exp(Q_λ(g,b)/λ),
    W = U at depth m: the maximizer of V − λ·KL by backward induction, as intervals."""

    def w(g, d):
        if d == m:
            return Iv(_utility(u, h, g[len(h) :]), None, prec)
        z = sum((exp * b for exp, b in zip(qexp(g, d), beta.probs(g)) if b > 0), Iv(0, 0, prec))
        return _ln_iv(z) * lam

    def qexp(g, d):
        return [
            _exp_iv(
                sum((w(g + ((a, o),), d + 1) * po for o, po in enumerate(env.probs(g, a)) if po > 0), Iv(0, 0, prec))
                / lam
            )
            for a in range(env.n_actions)
        ]

    e = qexp(tuple(h), 0)
    weights = [x * b for x, b in zip(e, beta.probs(h))]
    z = sum(weights, Iv(0, 0, prec))
    return [x / z for x in weights]


# -- the claims -------------------------------------------------------------------------------------------------
def _pinsker(c):
    def parts(x, prec):
        t = trajectory_tvd(x["pi"], x["beta"], x["env"], x["horizon"])
        k = trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"])
        out = [("trajectory TVD² ≤ c·KL", t * t, "<=", INF if k is INF else k * c, False)]
        if "p" in x:
            d, k1 = tvd(x["p"], x["q"]), kl(x["p"], x["q"])
            out += [
                ("one step TVD² ≤ c·KL", d * d, "<=", INF if k1 is INF else k1 * c, False),
                ("KL(p‖q) = Σ p ln(p/q) over the actions and ⊥", k1, "==", k1, False),
            ]
        return out

    return parts


def _kl_triangle(x, prec):
    pi, beta, tau = x["pi"], x["beta"], x["tau"]
    if any(sum(p) != 1 or min(p) < 0 for p in (pi, beta, tau)) or min(tau) <= 0:
        raise KernelError("conj-kl-triangle needs distributions π, β and τ, τ of full support")
    a, b = kl(pi, beta), kl(tau, beta)
    return [("KL(π‖τ) ≤ 100·(KL(π‖β) + KL(τ‖β))", kl(pi, tau), "<=", INF if INF in (a, b) else (a + b) * 100, False)]


def _top_margin(w, i, alpha):
    s = sum(x for j, x in enumerate(w) if x > w[i] or (x == w[i] and j <= i))
    return w[i] - alpha * s


def _imitator(mix, alpha):
    def fn(h):
        w = mix.posterior(h)
        order = sorted(range(len(w)), key=lambda i: (-w[i], i))
        top, s = [], 0
        for i in order:  # Definition 3: in rank order, members while w_i ≥ α·(total weight ranked at or above)
            s += w[i]
            if w[i] < alpha * s:
                break
            top.append(i)
        rows = [mix.comps[i].probs(h) for i in top]
        return [min(r[a] for r in rows) for a in range(mix.n_actions)]

    return Fn(fn, mix.n_actions, mix.n_obs, True)


def _bayes_transfer(x, prec):
    mix, mi, env, alpha = x["mixture"], int(x["mu"]), x["env"], x["alpha"]
    mu, h, m, kind = mix.comps[mi], tuple(x["history"]), int(x["horizon"]), x["pi_kind"]
    nu, n_a = _imitator(mix, alpha), mix.n_actions
    pi = {
        "component": lambda: mix.comps[x["pi_component"]],
        "mixture": lambda: mix,
        "imitator-itself": lambda: nu,
        "imitator": lambda: Fn(
            lambda g: [v / sum(nu.probs(g)) for v in nu.probs(g)] if sum(nu.probs(g)) else [Fraction(1, n_a)] * n_a,
            n_a,
            mix.n_obs,
            False,
        ),  # ν_α renormalized
        "within": lambda: Fn(
            lambda g: [p if q > 0 else 0 for p, q in zip(x["pi"].probs(g), nu.probs(g))], n_a, mix.n_obs, True
        ),
    }.get(kind, lambda: x["pi"])()  # drawn π, restricted to ν_α's support
    nodes, frontier = [], [h]
    for d in range(m):  # N: histories extending h by < m steps whose new actions μ takes
        nodes += frontier
        frontier = (
            [g + ((a, o),) for g in frontier for a, pa in enumerate(mu.probs(g)) if pa > 0 for o in range(env.n_obs)]
            if d + 1 < m
            else []
        )
    margin = min(_top_margin(mix.posterior(g), mi, alpha) for g in nodes)
    pp, pm, pb = pi.probs(h), mu.probs(h), mix.probs(h)
    finite = all(pb[a] > 0 for a in range(len(pp)) if pp[a] > 0)
    off = sum((pp[a] for a in range(len(pm)) if pm[a] == 0), Fraction(0)) if finite else Fraction(0)
    kw = {"convention": "actions"}
    return [
        ("hypothesis: μ in the top set on N", margin, ">=", Fraction(0), True),
        (
            "expected KL(π‖μ) ≤ KL(π‖ξ)",
            trajectory_kl(pi, mu, env, m, h, **kw),
            "<=",
            trajectory_kl(pi, mix, env, m, h, **kw),
            False,
        ),
        (
            "worst-case KL(π‖μ) ≤ KL(π‖ξ)",
            worst_case_kl(pi, mu, env, m, h, **kw),
            "<=",
            worst_case_kl(pi, mix, env, m, h, **kw),
            False,
        ),
        ("KL(π‖ξ)(h) < ∞ ⇒ π(a|h) = 0 where μ(a|h) = 0", off, "==", Fraction(0), False),
    ]


def _worst_case_bounds(x, prec):
    a = (x["pi"], x["beta"], x["env"], x["horizon"], tuple(x["history"]))
    return [("expected KL ≤ Definition 2", trajectory_kl(*a), "<=", worst_case_kl(*a), False)]


def _kl_boosts(x, prec):
    beta, env, u, m, lam, h = x["beta"], x["env"], x["utility"], x["horizon"], x["temperature"], tuple(x["history"])
    if lam <= 0:
        raise KernelError(f"temperature {lam} must be positive")
    qs, b, pi, out = q_star(env, u, m, h), beta.probs(h), None, []
    for a in range(env.n_actions):
        if qs[a] == max(qs) or b[a] in (0, 1):
            continue
        pi = pi or gibbs_root(beta, env, u, m, lam, h, prec)
        out.append((f"π_λ(a={a}|h) ≤ β(a={a}|h)", pi[a], "<=", b[a], False))
    return out


def _prop1(x, prec):
    if x["form"] != "bernoulli":
        return _prop1_bayes(x)
    eps = x["epsilon"]
    if eps <= 0:
        raise KernelError(f"ε = {eps} must be positive")
    p = min(eps, 1) / 2
    tau, pi = (Fraction(1), Fraction(0)), (1 - p, p)
    return [
        ("KL(π‖β) ≤ ε", kl(pi, pi), "<=", eps, False),
        ("KL(τ‖β) ≤ ε", kl(tau, pi), "<=", eps, False),
        ("KL(π‖τ) = ∞", kl(pi, tau), "==", INF, False),
        ("−ln(1−p) ≤ 2p", -LogLin.ln(1 - p), "<=", 2 * p, False),
        ("2p ≤ ε", 2 * p, "<=", eps, False),
        ("f(0) = 0 for f(p) = 2p + ln(1−p)", LogLin.ln(1 - 0) + 2 * 0, "==", Fraction(0), False),
        # f′(p) = 2 − 1/(1−p) decreases on [0, 1/2]: its minimum is f′(1/2) = 0.
        ("min of f′ on [0, 1/2] ≥ 0", 2 - 1 / (1 - Fraction(1, 2)), ">=", Fraction(0), False),
    ]


def _prop1_bayes(x):
    comps = [x["tau"], x["pi"]] + list(x["others"])
    prior = list(x["prior"])
    xi, env, m, out = Mixture(comps, prior), x["env"], x["horizon"], []
    for name, i in (("τ", 0), ("π", 1)):
        bound = LogLin.ln(sum(prior) / prior[i])
        out += [
            (f"KL({name}‖ξ) ≤ ln(1/w)", trajectory_kl(comps[i], xi, env, m), "<=", bound, False),
            (f"worst-case KL({name}‖ξ) ≤ ln(1/w)", worst_case_kl(comps[i], xi, env, m), "<=", bound, False),
        ]
    return out + [("KL(π‖τ) = ∞", trajectory_kl(x["pi"], x["tau"], env, m), "==", INF, False)]


COVERED = {
    "conj-pinsker-quarter": _pinsker(Fraction(1, 4)),
    "pinsker": _pinsker(Fraction(1, 2)),
    "conj-kl-triangle": _kl_triangle,
    "conj-bayes-kl-transfers": _bayes_transfer,
    "conj-worst-case-bounds-expected": _worst_case_bounds,
    "conj-kl-boosts-only-optimal": _kl_boosts,
    "prop1-no-triangle": _prop1,
}
_LAB = "the KL-estimator lab's expected gradients over softmax logits (not yet in the kernel)"
NOT_COVERED = {
    "thm2-tvd-constraint": "a theorem: its parts are maxima over maximizers (not yet in kernel.lp)",
    "conj-k2-token-sum-forward": _LAB,
    "conj-k3-loss-forward": _LAB,
    "conj-token-ratio-corrects": _LAB,
}


# -- exact LP optimality through a stored dual ------------------------------------------------------------------
def check_lp(c, a_ub, b_ub, a_eq, b_eq, x, y_ub, y_eq):
    """Is x an optimum of max c·x s.t. A_ub x ≤ b_ub, A_eq x = b_eq, x ≥ 0, as the dual (y_ub ≥ 0, y_eq)
    proves? Checks primal and dual feasibility and complementary slackness exactly; returns c·x.

    >>> check_lp([1, 1], [[1, 2]], [4], [], [], [4, 0], [1], [])   # max x+y, x+2y ≤ 4: optimum 4 at (4, 0)
    Fraction(4, 1)
    """
    F = lambda v: [Fraction(t) if not isinstance(t, dict) else _q(t) for t in v]  # noqa: E731
    c, b_ub, b_eq, x, y_ub, y_eq = map(F, (c, b_ub, b_eq, x, y_ub, y_eq))
    a_ub, a_eq = [F(r) for r in a_ub], [F(r) for r in a_eq]
    if (len(x), len(y_ub), len(y_eq)) != (len(c), len(a_ub), len(a_eq)):
        raise KernelError("LP: the stored solutions do not have the program's dimensions")
    dot = lambda u, v: sum((s * t for s, t in zip(u, v)), Fraction(0))  # noqa: E731
    if (
        any(v < 0 for v in x)
        or any(dot(r, x) > b for r, b in zip(a_ub, b_ub))
        or any(dot(r, x) != b for r, b in zip(a_eq, b_eq))
    ):
        raise KernelError("LP: the stored primal solution is infeasible")
    reduced = [dot([r[j] for r in a_ub], y_ub) + dot([r[j] for r in a_eq], y_eq) - c[j] for j in range(len(c))]
    if any(v < 0 for v in y_ub) or any(v < 0 for v in reduced):
        raise KernelError("LP: the stored dual solution is infeasible")
    if any(y and dot(r, x) != b for r, b, y in zip(a_ub, b_ub, y_ub)) or any(v and r for v, r in zip(x, reduced)):
        raise KernelError("LP: complementary slackness fails: the stored solutions are not optimal")
    return dot(c, x)


# -- checking a certificate -------------------------------------------------------------------------------------
MAX_HORIZON = 6  # the brute force enumerates (|A|·|O|)^m histories: certificates are small and shrunk


class KernelResult:
    """``ok`` (True/False), a one-line ``message``, and each part's kernel verdict ``holds`` (None: undecided)."""

    def __init__(self, ok, message, holds=()):
        self.ok, self.message, self.holds = ok, message, list(holds)


def check(cert: dict, *, prec: int = 64, cap: int = 4096) -> KernelResult:
    """Re-check a certificate (the parsed JSON) from its instance alone. Raises NotCovered for a claim the kernel
    has no evaluator for, KernelError for an unreadable one; returns ``ok=False`` when it proves nothing."""
    claim, kind = cert.get("claim"), cert.get("kind")
    if not isinstance(claim, str) or claim not in COVERED:
        raise NotCovered(f"the kernel does not cover {claim!r}: {NOT_COVERED.get(str(claim), 'no evaluator for it')}")
    if kind not in ("refutation", "witness"):
        raise KernelError(f"certificate kind {kind!r} is not 'refutation' or 'witness'")
    recorded = cert.get("parts")
    if not isinstance(recorded, list) or not all(isinstance(p, dict) for p in recorded):
        raise KernelError("the certificate's parts are not a list of records")
    try:
        instance = load(cert.get("instance"))
        if claim in lp.CLAIM_IDS and isinstance(instance, dict):
            instance["lp_dual"] = cert.get("lp_dual")  # the stored LP solutions, which kernel.lp verifies
        m = instance.get("horizon", 0) if isinstance(instance, dict) else 0
        if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= MAX_HORIZON:
            raise KernelError(f"horizon {m!r} is not an integer within the kernel's brute force (0..{MAX_HORIZON})")
        while True:
            parts = COVERED[claim](instance, prec)
            holds = [decide(lhs, rel, rhs, prec) for _, lhs, rel, rhs, _ in parts]
            if None not in holds or prec >= cap:
                break
            prec *= 4
    except (KeyError, IndexError, TypeError, ZeroDivisionError, ValueError, RecursionError) as err:
        if isinstance(err, KernelError):
            raise
        raise KernelError(f"the instance does not fit {claim}: {type(err).__name__}: {err}") from err

    def no(message):
        return KernelResult(False, message, holds)

    if len(recorded) != len(parts):
        return no(
            f"the certificate records {len(recorded)} parts; the kernel finds {len(parts)}: {[p[0] for p in parts]}"
        )
    for (name, *_), rec, mine in zip(parts, recorded, holds):
        if mine is None or rec.get("holds") is not mine:
            return no(
                f"part {name!r} is undecided at {prec} bits"
                if mine is None
                else f"part {name!r}: recorded holds={rec.get('holds')!r}, the kernel finds {mine}"
            )
    hyp_ok = all(h for h, p in zip(holds, parts) if p[4])
    violated = [p[0] for h, p in zip(holds, parts) if not p[4] and not h]
    if kind == "refutation" and not (hyp_ok and violated):
        return no(
            f"the instance does not refute {claim}: "
            + ("no part is violated" if hyp_ok else "it violates the claim's hypothesis")
        )
    if kind == "witness" and not all(holds):
        return no(f"the instance is no witness for {claim}: {violated} fail")
    what = f"refutes {claim} (violated: {violated[0]})" if kind == "refutation" else f"witnesses {claim}"
    return KernelResult(True, f"kernel: the instance {what}; {len(parts)} parts decided at {prec} bits", holds)


def check_file(path, **kw) -> KernelResult:
    """:func:`check` on a certificate file (JSON, at most 16 MiB)."""
    with open(path, "rb") as f:
        raw = f.read(16 * 2**20 + 1)
    if len(raw) > 16 * 2**20:
        raise KernelError(f"{path} is larger than 16 MiB")
    try:
        return check(json.loads(raw.decode("utf-8")), **kw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise KernelError(f"{path} is not a readable JSON certificate: {err}") from err


from . import lp  # noqa: E402  (it uses the definitions above)

COVERED["conj-tvd-boosts-only-optimal-everywhere"] = lp.tvd_everywhere
