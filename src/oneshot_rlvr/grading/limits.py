"""What may run in the calling process: the answer length bound and the signal that a pair needs a worker.

Grading must never hang the trainer or the evaluator, so every grader is written to decide easy pairs
cheaply in-process and to raise :class:`NeedSlow` where it would call sympy or math-verify; the dispatcher
then sends that pair to a killable worker (`pool.py`).
"""

from __future__ import annotations

#: Answers or golds longer than this are never normalised in the calling process (only in a worker, under the
#: timeout); answers ten times longer are only compared as raw strings.
MAX_ANSWER_CHARS = 1000


class NeedSlow(Exception):
    """Raised by a grader's in-process fast path when a comparison needs the (killable) slow path."""
