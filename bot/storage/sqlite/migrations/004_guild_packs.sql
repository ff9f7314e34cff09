-- 004: fact packs a server's moderators drafted from their own documents (`/trivia pack add`).
--
-- A pack keeps its document's plain text (every quote is checked against it) and the drafted pack without its
-- facts (document, categories, entities) as JSON; each drafted fact is a row of its own with its review status.
-- Deleting a pack deletes its facts.

CREATE TABLE guild_packs (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    document_date TEXT NOT NULL,
    document_text TEXT NOT NULL,
    pack_json TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (guild_id, name)
);

CREATE TABLE guild_pack_facts (
    pack_id INTEGER NOT NULL REFERENCES guild_packs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    fact_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
    answer TEXT NOT NULL,
    fact_json TEXT NOT NULL,
    PRIMARY KEY (pack_id, position),
    UNIQUE (pack_id, fact_id)
);
