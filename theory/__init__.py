"""theory: the mathematics of KL-regularized RL against Bayesian base policies, as a library.

One namespace over three arithmetics (``arith="float" | "exact" | "ball"``): divergences, policies and
environments as history kernels, Bayesian mixtures and program priors, trajectory measures, optimal and
regularized policies, and imitators.

>>> import theory
>>> theory.kl([0.5, 0.5], [0.9, 0.1], arith="exact")
LogLinear(1/2*ln(5/9) + 1/2*ln(5))
"""

from .arith import BallContext, Context, ExactContext, FloatContext, LogLinear, get_context
from .divergences import InfiniteDivergence, kl, tvd
from .errors import (
    AlphaError,
    AlphabetError,
    ArithmeticContextError,
    BudgetError,
    HistoryError,
    HorizonError,
    MightntError,
    PriorError,
    ProbabilityError,
    ProgramError,
    RuledOutHistoryError,
    TemperatureError,
    UndecidedError,
    UtilityError,
)
from .kernels import (
    Environment,
    FiniteStateEnvironment,
    FiniteStatePolicy,
    FunctionEnvironment,
    FunctionPolicy,
    Policy,
    sequence_environment,
)
from .measures import (
    KLBreakdown,
    kl_breakdown,
    optimal_actions,
    optimal_value,
    q_values,
    trajectory_kl,
    trajectory_tvd,
    value,
    worst_case_kl,
)
from .mixtures import BayesianMixture
from .utilities import HistoryUtility, MeanReward

__version__ = "0.1.0"
from .optimize import TreePolicy, kl_constrained_policy, kl_regularized_policy, tvd_constrained_policy
from .imitation import OnlineImitator, PessimisticImitator, top_set
from .events import ActionOccurred, Event, LengthAtLeast, ObservationOccurred
from .combinators import Hazard, Switch
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
