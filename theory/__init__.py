"""theory: the mathematics of KL-regularized RL against Bayesian base policies, as a library.

One namespace over three arithmetics (``arith="float" | "exact" | "ball"``, see :mod:`theory.arith`):
divergences, policies and environments as history kernels, Bayesian mixtures and program priors, trajectory
measures, optimal and regularized policies, and imitators.

>>> import theory
>>> theory.kl([0.5, 0.5], [0.9, 0.1], arith="exact")
LogLinear(1/2*ln(5/9) + 1/2*ln(5))
"""

from . import errors, measures
from .arith import BallContext, Context, ExactContext, FloatContext, LogLinear, get_context
from .channels import Channel, action_sequence_probability, joint, marginal, pushforward
from .combinators import Hazard, Switch
from .divergences import InfiniteDivergence, kl, tvd
from .errors import *  # every error class is public
from .estimators import (
    EstimatorMoments,
    EstimatorSample,
    SoftmaxPolicy,
    estimator_moments,
    kl_gradient,
    sample_estimator,
    value_gradient,
)
from .events import ActionOccurred, Event, LengthAtLeast, ObservationOccurred
from .imitation import OnlineImitator, PessimisticImitator, top_set
from .kernels import (
    Environment,
    FiniteStateEnvironment,
    FiniteStatePolicy,
    FunctionEnvironment,
    FunctionPolicy,
    Policy,
    sequence_environment,
)
from .measures import *  # every trajectory measure is public
from .mixtures import BayesianMixture
from .penalties import FixedPoint, practical_fixed_point, tabular_softmax
from .optimize import Optimum, TreePolicy, kl_constrained_policy, kl_regularized_policy, tvd_constrained_policy
from .programs import (
    EventExpression,
    IntegerExpression,
    PolicyLanguage,
    Program,
    elias_gamma,
    integer,
    integer_code_length,
    largest_integer_expression,
    min_code_length_at_least,
    mixture_from_programs,
    shortest_integer_expression,
)
from .sampling import Episodes, sample_episodes
from .utilities import HistoryUtility, MeanReward

__version__ = "0.1.0"

__all__ = [
    # arithmetic
    "get_context",
    "Context",
    "FloatContext",
    "ExactContext",
    "BallContext",
    "LogLinear",
    # divergences
    "kl",
    "tvd",
    "InfiniteDivergence",
    # channels and action-sequence probabilities
    "Channel",
    "pushforward",
    "joint",
    "marginal",
    "action_sequence_probability",
    # kernels
    "Policy",
    "Environment",
    "FunctionPolicy",
    "FunctionEnvironment",
    "FiniteStatePolicy",
    "FiniteStateEnvironment",
    "sequence_environment",
    # events and combinators
    "Event",
    "ObservationOccurred",
    "ActionOccurred",
    "LengthAtLeast",
    "Switch",
    "Hazard",
    # mixtures and programs
    "BayesianMixture",
    "PolicyLanguage",
    "Program",
    "EventExpression",
    "IntegerExpression",
    "integer",
    "elias_gamma",
    "integer_code_length",
    "shortest_integer_expression",
    "min_code_length_at_least",
    "largest_integer_expression",
    "mixture_from_programs",
    # utilities and measures
    *measures.__all__,
    "MeanReward",
    "HistoryUtility",
    # optima and imitation
    "Optimum",
    "TreePolicy",
    "kl_regularized_policy",
    "kl_constrained_policy",
    "tvd_constrained_policy",
    "top_set",
    "PessimisticImitator",
    "OnlineImitator",
    # the KL-estimator lab
    "SoftmaxPolicy",
    "EstimatorMoments",
    "EstimatorSample",
    "estimator_moments",
    "kl_gradient",
    "value_gradient",
    "sample_estimator",
    "FixedPoint",
    "practical_fixed_point",
    "tabular_softmax",
    # sampling
    "sample_episodes",
    "Episodes",
    # errors
    *errors.__all__,
]
