-- The risk register and what else a Monte Carlo simulation needs: each risk is both a register
-- entry (cause, event, effect, owner, response, contingency, trigger, status) and a risk event
-- of the simulation (probability, delay on its tasks, cost); three-point estimates of task
-- durations; correlation groups. Tasks are named by row id (JSON arrays for lists; ids of
-- deleted tasks are skipped when read).
CREATE TABLE risks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    risk_key TEXT NOT NULL,
    title TEXT NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL DEFAULT '',
    effect TEXT NOT NULL DEFAULT '',
    probability DOUBLE PRECISION NOT NULL,
    -- The delay on each linked task, in working minutes (min = likely = max: a fixed delay).
    delay_min BIGINT NOT NULL DEFAULT 0,
    delay_likely BIGINT NOT NULL DEFAULT 0,
    delay_max BIGINT NOT NULL DEFAULT 0,
    delay_distribution TEXT NOT NULL DEFAULT 'triangular',
    cost DOUBLE PRECISION NOT NULL DEFAULT 0,
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- avoid, mitigate, transfer or accept.
    strategy TEXT NOT NULL DEFAULT 'accept',
    contingency TEXT NOT NULL DEFAULT '',
    risk_trigger TEXT NOT NULL DEFAULT '',
    -- open, closed or occurred (an issue).
    status TEXT NOT NULL DEFAULT 'open',
    -- JSON array of task row ids.
    tasks TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, risk_key)
);

CREATE TABLE task_estimates (
    task_id BIGINT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    min_minutes BIGINT NOT NULL,
    likely_minutes BIGINT NOT NULL,
    max_minutes BIGINT NOT NULL,
    distribution TEXT NOT NULL DEFAULT 'triangular',
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX task_estimates_project ON task_estimates (project_id);

CREATE TABLE risk_correlations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    coefficient DOUBLE PRECISION NOT NULL,
    -- JSON array of task row ids.
    tasks TEXT NOT NULL DEFAULT '[]'
);
