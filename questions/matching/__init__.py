"""Judge a player's typed answer against a question's expected answer.

Matching goes by what the answer *is* (``ExpectedAnswer.type``), never by string similarity alone:
a person is matched by name, alias, surname or a typo of them, but a typo that is as close to another
entity of the store is that entity; numbers, dates, times and durations are parsed and compared as
values; phrases need their key words; sets give partial credit. Every verdict carries one sentence that
says why, so a disputed answer can be explained.

No Discord import and no I/O: the cog calls :meth:`AnswerMatcher.judge` and renders the verdict.

* :mod:`questions.matching.matcher`: the entry point; people, entities and sets.
* :mod:`questions.matching.values`: numbers, durations, dates and times.
* :mod:`questions.matching.phrases`: descriptive answers, by key words.
* :mod:`questions.matching.choices`: picks among options.
* :mod:`questions.matching.verdicts`: the verdict and its codes.
"""

from questions.matching.matcher import AnswerMatcher
from questions.matching.verdicts import MAX_ANSWER_LENGTH, Verdict, VerdictCode, name_key

__all__ = ["MAX_ANSWER_LENGTH", "AnswerMatcher", "Verdict", "VerdictCode", "name_key"]
