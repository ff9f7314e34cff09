"""What the two SQL backends share: the queries (`SQLStorage`), their SQL text, the row mapping, and the `Dialect`
that says how a backend differs (value encoders and decoders, error tests, and the few statements of its own)."""

from bot.storage.sql.dialect import Dialect, Row
from bot.storage.sql.storage import SQLStorage

__all__ = ["Dialect", "Row", "SQLStorage"]
