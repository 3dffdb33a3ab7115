"""Test-suite settings: under CI (CI=true) hypothesis is derandomised, so a run is repeatable
(the same examples every time; new examples are explored in development runs)."""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
