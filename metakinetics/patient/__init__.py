"""One patient's organ-specific risk with what-ifs: ``predict`` (docs/predict.md)."""
from .patients_csv import read_patients
from .predict import predict
from .result import Prediction
from .spec import Patient

__all__ = ["Patient", "Prediction", "predict", "read_patients"]
