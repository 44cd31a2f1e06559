-- Gantry's first schema on PostgreSQL. Migrations are append-only: change the schema in a new file.
-- Instants are civil date-times in the project's time zone, written "2026-03-02T08:00:00";
-- creation times are UTC timestamps ("2026-11-29T10:00:00Z"). Every editable row has a version
-- that each write raises, so that a stale write is refused instead of overwriting.

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE projects (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    start_at TEXT NOT NULL,
    status_date TEXT,
    time_zone TEXT,
    -- The project calendar; NULL only while the project's first rows are written.
    calendar_id BIGINT,
    minutes_per_day BIGINT NOT NULL,
    minutes_per_week BIGINT NOT NULL,
    days_per_month BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Raised by every change to the project or any of its plan rows.
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE memberships (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'member', 'viewer')),
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE calendars (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    base_id BIGINT REFERENCES calendars (id),
    -- Each week day: NULL inherits the base calendar's day, '' is a day off, else shifts
    -- "08:00-12:00 13:00-17:00".
    monday TEXT,
    tuesday TEXT,
    wednesday TEXT,
    thursday TEXT,
    friday TEXT,
    saturday TEXT,
    sunday TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX calendars_project ON calendars (project_id);

CREATE TABLE calendar_exceptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    calendar_id BIGINT NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    shifts TEXT NOT NULL
);
CREATE INDEX calendar_exceptions_calendar ON calendar_exceptions (calendar_id);

CREATE TABLE tasks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES tasks (id) ON DELETE CASCADE,
    -- Order among the siblings under the same parent.
    position BIGINT NOT NULL,
    task_key TEXT NOT NULL,
    name TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    duration_elapsed BOOLEAN NOT NULL,
    milestone BOOLEAN NOT NULL,
    constraint_type TEXT NOT NULL,
    constraint_date TEXT,
    deadline TEXT,
    calendar_id BIGINT REFERENCES calendars (id),
    priority BIGINT NOT NULL,
    task_type TEXT NOT NULL,
    effort_driven BOOLEAN NOT NULL,
    actual_start TEXT,
    actual_finish TEXT,
    percent_complete DOUBLE PRECISION NOT NULL,
    remaining_minutes BIGINT,
    remaining_elapsed BOOLEAN NOT NULL,
    resume_at TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, task_key)
);
CREATE INDEX tasks_parent ON tasks (parent_id);

CREATE TABLE links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    predecessor_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    successor_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    link_type TEXT NOT NULL,
    -- 'none', 'working' or 'elapsed' (minutes), 'percent' (of the predecessor's duration).
    lag_kind TEXT NOT NULL,
    lag_value DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (predecessor_id, successor_id)
);
CREATE INDEX links_project ON links (project_id);
CREATE INDEX links_successor ON links (successor_id);

CREATE TABLE resources (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    -- Resources with the same key in several projects are one shared person or team.
    resource_key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_units DOUBLE PRECISION NOT NULL,
    calendar_id BIGINT REFERENCES calendars (id),
    standard_rate DOUBLE PRECISION NOT NULL,
    overtime_rate DOUBLE PRECISION NOT NULL,
    cost_per_use DOUBLE PRECISION NOT NULL,
    resource_group TEXT,
    initials TEXT,
    email TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, resource_key)
);
CREATE INDEX resources_key ON resources (resource_key);

CREATE TABLE resource_availability (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    from_at TEXT,
    to_at TEXT,
    units DOUBLE PRECISION NOT NULL
);
CREATE INDEX resource_availability_resource ON resource_availability (resource_id);

CREATE TABLE assignments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    units DOUBLE PRECISION NOT NULL,
    work_minutes BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_id, resource_id)
);
CREATE INDEX assignments_project ON assignments (project_id);
CREATE INDEX assignments_resource ON assignments (resource_id);

CREATE TABLE comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id BIGINT REFERENCES tasks (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX comments_project ON comments (project_id, task_id);

CREATE TABLE history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    -- 'project', 'task', 'link', 'calendar', 'resource', 'assignment', 'member', 'comment'.
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    -- 'create', 'update' or 'delete'.
    action TEXT NOT NULL,
    -- What people read: the task's name, "design → build".
    label TEXT NOT NULL,
    -- The changed fields as a JSON array of {"field", "old", "new"}.
    changes TEXT NOT NULL
);
CREATE INDEX history_project ON history (project_id, id);
