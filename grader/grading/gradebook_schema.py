"""The gradebook's tables (``grader.grading.gradebook`` reads and writes them).

Every statement is ``IF NOT EXISTS``: a gradebook written by an earlier version gains the tables
it lacks when opened, and keeps what it holds."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    assignment   TEXT NOT NULL,
    id           TEXT NOT NULL,
    path         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    grader       TEXT NOT NULL,
    status       TEXT NOT NULL,
    score        REAL NOT NULL,
    graded_at    TEXT NOT NULL,
    result       TEXT NOT NULL,
    PRIMARY KEY (assignment, id)
);
CREATE TABLE IF NOT EXISTS history (
    assignment   TEXT NOT NULL,
    id           TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    grader       TEXT NOT NULL,
    status       TEXT NOT NULL,
    score        REAL NOT NULL,
    graded_at    TEXT NOT NULL,
    functions    TEXT NOT NULL   -- {function: [score, {case: status}]}
);
CREATE TABLE IF NOT EXISTS changes (
    assignment TEXT NOT NULL,
    run        TEXT NOT NULL,    -- when the grading that made the change started
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,
    old_score  REAL NOT NULL,
    new_score  REAL NOT NULL,
    old_total  REAL NOT NULL,
    new_total  REAL NOT NULL,
    cases      TEXT NOT NULL,
    cause      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS adjustments (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,
    points     REAL NOT NULL,    -- the function's score, in place of the graded one
    reason     TEXT NOT NULL,
    by         TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (assignment, id, function)
);
CREATE TABLE IF NOT EXISTS late (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    percent    REAL NOT NULL,    -- taken off the score
    reason     TEXT NOT NULL,
    PRIMARY KEY (assignment, id)
);
CREATE TABLE IF NOT EXISTS shapes (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    function   TEXT NOT NULL,    -- "" marks a submission read with no code of its own
    digest     TEXT NOT NULL,    -- of its own code, normalised (grader.course.similarity)
    statements INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shapes_by_id ON shapes (assignment, id);
CREATE TABLE IF NOT EXISTS verdicts (
    key   TEXT NOT NULL,         -- what a graded function's run depends on (grader.grading.verdict_keys)
    exact TEXT NOT NULL,         -- "" or, for a run that names places, the digest of its cells
    run   BLOB NOT NULL,         -- the run, as plain data (grader.grading.verdicts)
    PRIMARY KEY (key, exact)
);
CREATE TABLE IF NOT EXISTS drawn (
    assignment TEXT NOT NULL,
    id         TEXT NOT NULL,
    adjustments TEXT NOT NULL,   -- the adjustments the student's page shows
    PRIMARY KEY (assignment, id)
);
"""
