"""How the model moves on average: expected compartment contents (numpy/scipy, pure functions).

Contract: ``solve(model, times, params=None, *, method="auto", surgery=True) -> Trajectory`` and
``diagnosis_time(model, params=None) -> ndarray (P,)``.
"""
from .solve import METHODS, diagnosis_time, solve
from .trajectory import Trajectory

__all__ = ["METHODS", "Trajectory", "diagnosis_time", "solve"]
