"""Which rows of an aggregate data set a model can predict: the one rule every consumer uses.

A row is about an organ (or ``distant``: any organ of the model). A row about an organ the model
lacks -- hess2013's distant lymph nodes and pleura under the four-organ breast model -- is outside
the model. Consumers differ only in what they do with such rows: a fit refuses them (an organ name
with a typo must be an error, so the set-up narrows the rows explicitly with ``select``), while a
comparison of a fitted model with every row of a data set (``fit.compare``) skips them and reports
each with its reason (never silently dropped).

``ctc_positive`` rows are about blood and ``nodal_share`` rows about the regional nodes, not an
organ: their organ column (``blood``, ``nodes``) is checked when the data are loaded and where they
are predicted, so they are never outside here.
Individual (patient) rows are outside when their event is an organ the model lacks: a fit would
otherwise count that patient's metastasis as censoring.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..datasets import AggregateData, IndividualData
from ..datasets.schema import EVENT_CODES

#: The organ column value that means "any organ of the model" (docs/data_format.md).
ANY_ORGAN = "distant"


@dataclass(frozen=True)
class SkippedRow:
    """A data row the model cannot predict: its index in the loaded data, its line in the file
    (header = 1), its organ and why (one line, naming the model and its organs)."""

    index: int
    row: int
    organ: str
    reason: str

    def as_dict(self) -> dict:
        """For result.json: the file row, the organ and the reason."""
        return {"row": self.row, "organ": self.organ, "reason": self.reason}


def rows_outside_model(data: AggregateData, organ_names: tuple[str, ...], model_name: str) -> tuple[SkippedRow, ...]:
    """The rows of ``data`` about an organ that is not one of ``organ_names``, in file order.

    Parameters
    ----------
    data : AggregateData
        Loaded aggregate rows.
    organ_names : tuple of str
        The model's organs (``Model.organ_names``); ``distant`` rows (any organ) are always inside.
    model_name : str
        The model's name, for the reason.

    Returns
    -------
    tuple of SkippedRow
        Empty when the model predicts every row.
    """
    inside = set(organ_names) | {ANY_ORGAN}
    return tuple(
        SkippedRow(index=i, row=int(data.rows[i]), organ=str(data.organ[i]),
                   reason=f"organ '{data.organ[i]}' is not in model '{model_name}' ({', '.join(organ_names)})")
        for i in range(len(data))
        if data.endpoint[i] not in ("ctc_positive", "nodal_share") and data.organ[i] not in inside)


def events_outside_model(data: IndividualData, organ_names: tuple[str, ...], model_name: str) -> tuple[SkippedRow, ...]:
    """The patients of ``data`` whose event is an organ that is not one of ``organ_names``, in file
    order (``distant``, ``censored`` and ``death`` are always inside).

    Parameters
    ----------
    data : IndividualData
        Loaded patient rows.
    organ_names : tuple of str
        The model's organs (``Model.organ_names``).
    model_name : str
        The model's name, for the reason.

    Returns
    -------
    tuple of SkippedRow
        Empty when every event is one the model can predict; ``organ`` holds the event.
    """
    inside = set(organ_names) | set(EVENT_CODES)
    return tuple(
        SkippedRow(index=i, row=int(data.rows[i]), organ=str(data.event[i]),
                   reason=f"event '{data.event[i]}' is not an organ of model '{model_name}' ({', '.join(organ_names)})")
        for i in range(len(data)) if data.event[i] not in inside)
