"""Exchange with other tools: SBML in (the DSMTS subset) and out (python-libsbml, imported lazily)."""
from .sbml import read_sbml, save_sbml, write_sbml

__all__ = ["read_sbml", "save_sbml", "write_sbml"]
