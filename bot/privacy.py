"""A player's privacy export: everything stored about them as one JSON document, written as it is read.

No Discord import. The answers, however many, are read a page at a time and written straight to the file,
so an export never holds them all in memory and never leaves any out.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
from typing import BinaryIO

from bot.storage import Storage
from bot.storage.export import jsonable

ANSWER_PAGE = 1000
"""Answers read from storage per query while exporting."""


async def write_player_export(storage: Storage, user_id: int, out: BinaryIO, *, page: int = ANSWER_PAGE) -> int:
    """Write everything stored about a player to ``out`` as JSON, every answer included; return how many answers."""
    summary = dict(await storage.export_player(user_id))
    summary.pop("answer_count", None)  # written at the end: answers given while exporting are in the file too
    head = json.dumps(summary, indent=2, default=str)
    assert head.endswith("\n}")  # a non-empty object: reopen it to append the answers
    out.write(head[:-2].encode() + b',\n  "answers": [')
    count = 0
    after = None
    while True:
        answers = await storage.player_answers(user_id, after=after, limit=page)
        for answer in answers:
            item = json.dumps(jsonable(dataclasses.asdict(answer)), default=str)
            out.write((",\n    " if count else "\n    ").encode() + item.encode())
            count += 1
        if len(answers) < page:
            break
        after = (answers[-1].answered_at, answers[-1].round_question_id)
    out.write(f'\n  ],\n  "answer_count": {count}\n}}\n'.encode())
    return count


def gzipped(source: BinaryIO, target: BinaryIO) -> None:
    """Write a gzip copy of ``source`` (from its start) to ``target``."""
    source.seek(0)
    with gzip.GzipFile(fileobj=target, mode="wb", mtime=0) as packed:
        shutil.copyfileobj(source, packed)
