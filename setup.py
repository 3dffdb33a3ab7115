"""Package discovery: the source packages plus the data folders models/ and fits/, which live at
the top level of the repository and ship inside the wheel as metakinetics._models/_fits.
All other configuration is in pyproject.toml."""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["metakinetics", "metakinetics.*"])
      + ["metakinetics._models", "metakinetics._fits"])
