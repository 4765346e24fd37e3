"""What an assignment's ``mistakes.py`` imports: ``from grader.hints import ErrorHint, Mistake``
(and ``Generic`` for a detector of its own). A name that stays put for assignment authors,
whichever package the hints are worked out in (``grader.feedback``)."""
from grader.feedback.hint_catalogue import ErrorHint, Generic, Mistake

__all__ = ["ErrorHint", "Generic", "Mistake"]
