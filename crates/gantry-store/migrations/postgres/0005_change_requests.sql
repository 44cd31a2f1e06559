-- Change requests: a change to a project's plan proposed as a list of edits (JSON), its impact
-- shown before a manager approves it (applied in one transaction) or rejects it. The record is
-- kept whatever the decision: who asked, who decided and when, and the impact at decision time.
CREATE TABLE change_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The edits, as JSON (gantry-store's ChangeItem list).
    items TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users (id),
    requested_at TEXT NOT NULL,
    -- The project's version when the change was proposed.
    project_version BIGINT NOT NULL,
    -- proposed, approved or rejected.
    status TEXT NOT NULL DEFAULT 'proposed',
    decided_by BIGINT REFERENCES users (id),
    decided_at TEXT,
    -- Why it was rejected (or a note on the approval).
    decision_note TEXT,
    -- The impact at decision time, as JSON.
    impact TEXT,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX change_requests_project ON change_requests (project_id, id);
