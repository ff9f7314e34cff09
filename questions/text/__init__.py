"""Read typed answers: normalise them and find the numbers, durations, dates and times in them.

Everything here is pure and fast: no I/O and no Discord. The regular expressions have no nested
quantifiers, so any input of the matcher's bounded length is read in well under a millisecond.

* :mod:`questions.text.normalize`: Unicode folding, cleaning and comparison keys.
* :mod:`questions.text.numbers`: numbers in digits or words.
* :mod:`questions.text.durations`: numbers with a duration unit, and unit conversion.
* :mod:`questions.text.dates`: calendar dates and weekdays.
* :mod:`questions.text.times`: times of day with am/pm and zones.
* :mod:`questions.text.values`: a cheap test of whether an answer holds any of these.
* :mod:`questions.text.vocabulary`: known words and names (so a look-alike is not a typo), Russian names.
"""
