"""Bounds on the work one request may cause (issue 10, item 5). Each limit is a setting (app/settings.py)."""
from __future__ import annotations


class LimitError(ValueError):
    """A request over a limit. The message says by how much, names the setting, and is shown as is."""


def question_problem(question: str, settings) -> str | None:
    """Why the question is refused (None when it is not)."""
    n, limit = len(question or ""), settings.max_question_chars
    if n > limit:
        return (f"The question is {n:,} characters long; the limit is {limit:,} characters (setting "
                f"GUGUS_MAX_QUESTION_CHARS). Shorten it and ask again.")
    return None


def check_question(question: str, settings) -> str:
    """The question, stripped; LimitError when it is over GUGUS_MAX_QUESTION_CHARS (checked before anything else
    is done with it)."""
    question = (question or "").strip()
    problem = question_problem(question, settings)
    if problem:
        raise LimitError(problem)
    return question
