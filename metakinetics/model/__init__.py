"""What a model is: specification dataclasses, the model-file format and the bundled models."""
from .expressions import Expression, parse_expression
from .file import dump_toml, load_model_file, load_model_text, model_from_dict, parse_override
from .library import list_models, load_model
from .spec import (Circulation, Diagnosis, Model, Mortality, Nodes, Organ, Population, Primary, Shedding,
                   Treatment)

__all__ = ["Circulation", "Diagnosis", "Expression", "Model", "Mortality", "Nodes", "Organ", "Population",
           "Primary", "Shedding", "Treatment", "dump_toml", "list_models", "load_model",
           "load_model_file", "load_model_text", "model_from_dict", "parse_expression",
           "parse_override"]
