"""Instances as exact JSON: what a certificate stores, and what a replay rebuilds.

An instance is a dict of values: exact numbers, histories (tuples of pairs), and `theory` objects built from
exact tables (finite-state policies and environments, softmax policies, Bayesian mixtures of them, policies given
as the exact probabilities of a finite-state policy, mean-reward utilities, history-table utilities, programs of
the policy language). Every number is written as an exact rational string (``"1/3"``), so nothing is lost and a
reader can recompute by hand.

>>> from fractions import Fraction
>>> import theory
>>> x = {"p": (Fraction(1, 3), Fraction(2, 3)), "pi": theory.FiniteStatePolicy.iid(["1/4", "3/4"])}
>>> data = encode(x)
>>> data["dict"]["p"]
{'tuple': [{'q': '1/3'}, {'q': '2/3'}]}
>>> decode(data)["pi"].probs(arith="exact")
array([Fraction(1, 4), Fraction(3, 4)], dtype=object)
>>> decode(encode(theory.SoftmaxPolicy.iid(["1/3", "2/3"])))    # a softmax policy stays one
SoftmaxPolicy([['1/3', '2/3']], [[[0], [0]]])
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

import theory
from theory.arith import to_fraction

__all__ = ["encode", "decode", "InstanceError"]


class InstanceError(ValueError):
    """A value cannot be written as exact JSON, or JSON does not describe an instance."""


def _q(x) -> dict:
    return {"q": str(to_fraction(x))}


def _table(arr) -> list:
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 0:
        return str(to_fraction(arr.item()))
    return [_table(a) for a in arr]


def _int_table(arr) -> list:
    return np.asarray(arr, dtype=np.int64).tolist()


def _machine(machine) -> dict:
    """The tables every finite-state machine (policy or environment) is written with: its exact emission table,
    its transition table and its start state."""
    return {
        "emission": _table(machine.emission("exact")),
        "transition": _int_table(machine.transition),
        "initial_state": machine.initial_state,
    }


def encode(value):
    """Exact JSON-ready data for an instance value (see the module docstring for what is supported)."""
    # Imported lazily: strategies import theory objects, and HistoryTableUtility lives there.
    from .strategies import HistoryTableUtility

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (Fraction, float, np.floating)):
        return _q(value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise InstanceError(f"instance dicts need string keys, got {list(value)!r}")
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(v) for v in value]}
    if isinstance(value, theory.SoftmaxPolicy):  # before its base class: a replay rebuilds the softmax
        return {"softmax_policy": _machine(value)}
    if isinstance(value, theory.FiniteStatePolicy):
        return {"finite_state_policy": {**_machine(value), "semi": value.semi}}
    if isinstance(value, theory.FiniteStateEnvironment):
        return {"finite_state_environment": _machine(value)}
    if isinstance(value, theory.BayesianMixture):
        return {
            "mixture": {
                "components": [encode(c) for c in value.components],
                "prior": [_q(w) for w in value.prior],
                "update": value.update,
                "names": list(value.names),
                "corpus": [encode(h) for h in value.corpus],
            }
        }
    if isinstance(value, theory.FunctionPolicy) and hasattr(value.fn, "policy"):
        return {
            "function_policy": {
                "of": encode(value.fn.policy),
                "n_observations": value.n_observations,
                "semi": value.semi,
            }
        }
    if isinstance(value, theory.MeanReward):
        return {"mean_reward": _table(value.table)}
    if isinstance(value, HistoryTableUtility):
        return {
            "history_table_utility": {
                "values": [_q(v) for v in value.values],
                "multiplier": value.multiplier,
                "action_coef": value.action_coef,
                "observation_coef": value.observation_coef,
            }
        }
    if isinstance(value, theory.Program):
        lang = value.language
        if getattr(lang, "primitives", None):
            raise InstanceError(f"program {value} uses primitives, which have no exact JSON form")
        return {
            "program": {
                "code": value.code,
                "n_actions": lang.n_actions,
                "n_observations": lang.n_observations,
                "grid": lang.grid,
            }
        }
    raise InstanceError(
        f"cannot write {value!r} (type {type(value).__name__}) as exact JSON; instances hold exact numbers, "
        "histories and finite-state objects"
    )


def _fraction(data) -> Fraction:
    if not isinstance(data, dict) or set(data) != {"q"} or not isinstance(data["q"], str):
        raise InstanceError(f"expected an exact number {{'q': 'a/b'}}, got {data!r}")
    try:
        return Fraction(data["q"])
    except (ValueError, ZeroDivisionError) as err:
        raise InstanceError(f"{data['q']!r} is not an exact rational") from err


def _fractions(table):
    if isinstance(table, list):
        return [_fractions(t) for t in table]
    if isinstance(table, str):
        try:
            return Fraction(table)
        except (ValueError, ZeroDivisionError) as err:
            raise InstanceError(f"{table!r} is not an exact rational") from err
    raise InstanceError(f"expected a table of rationals, got {table!r}")


def decode(data):
    """Rebuild an instance value from :func:`encode`'s data (plain `theory` objects)."""
    from .strategies import HistoryTableUtility

    try:
        if data is None or isinstance(data, (bool, str, int)):
            return data
        if not isinstance(data, dict) or len(data) != 1:
            raise InstanceError(f"cannot read {data!r} as an instance value")
        ((tag, body),) = data.items()
        if tag == "q":
            return _fraction(data)
        if tag == "dict":
            return {k: decode(v) for k, v in body.items()}
        if tag == "tuple":
            return tuple(decode(v) for v in body)
        if tag == "list":
            return [decode(v) for v in body]
        if tag == "finite_state_policy":
            return theory.FiniteStatePolicy(
                _fractions(body["emission"]),
                body["transition"],
                body.get("initial_state", 0),
                semi=bool(body.get("semi", False)),
            )
        if tag == "softmax_policy":
            return theory.SoftmaxPolicy(_fractions(body["emission"]), body["transition"], body.get("initial_state", 0))
        if tag == "finite_state_environment":
            return theory.FiniteStateEnvironment(
                _fractions(body["emission"]), body["transition"], body.get("initial_state", 0)
            )
        if tag == "mixture":
            return theory.BayesianMixture(
                [decode(c) for c in body["components"]],
                [_fraction(w) for w in body["prior"]],
                update=body.get("update", "all"),
                names=body.get("names"),
                corpus=[decode(h) for h in body.get("corpus", [])],
            )
        if tag == "function_policy":
            inner = decode(body["of"])
            return theory.Policy.from_function(
                inner.n_actions,
                _ExactOf(inner),
                n_observations=body.get("n_observations"),
                semi=bool(body.get("semi", False)),
            )
        if tag == "mean_reward":
            return theory.MeanReward(_fractions(body))
        if tag == "history_table_utility":
            return HistoryTableUtility(
                values=[_fraction(v) for v in body["values"]],
                multiplier=body["multiplier"],
                action_coef=body["action_coef"],
                observation_coef=body["observation_coef"],
            )
        if tag == "program":
            lang = theory.PolicyLanguage(body["n_actions"], body["n_observations"], grid=body["grid"])
            return lang.decode(body["code"])
    except InstanceError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise InstanceError(f"malformed instance value {data!r}: {err}") from err
    raise InstanceError(f"unknown instance value tag {tag!r}")


class _ExactOf:
    """The exact probabilities of a policy, as the function of a FunctionPolicy (kept for round trips)."""

    def __init__(self, policy):
        self.policy = policy

    def __call__(self, history):
        return list(self.policy.probs(history, arith="exact"))
