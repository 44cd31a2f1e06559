-- Gantry's first schema on SQLite. Migrations are append-only: change the schema in a new file.
-- Instants are civil date-times in the project's time zone, written "2026-03-02T08:00:00";
-- creation times are UTC timestamps ("2026-11-29T10:00:00Z"). Every editable row has a version
-- that each write raises, so that a stale write is refused instead of overwriting. Flags are
-- INTEGER 0 or 1 (SQLite has no boolean type).

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    start_at TEXT NOT NULL,
    status_date TEXT,
    time_zone TEXT,
    -- The project calendar; NULL only while the project's first rows are written.
    calendar_id INTEGER,
    minutes_per_day INTEGER NOT NULL,
    minutes_per_week INTEGER NOT NULL,
    days_per_month INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Raised by every change to the project or any of its plan rows.
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE memberships (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'member', 'viewer')),
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE calendars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    base_id INTEGER REFERENCES calendars (id),
    -- Each week day: NULL inherits the base calendar's day, '' is a day off, else shifts
    -- "08:00-12:00 13:00-17:00".
    monday TEXT,
    tuesday TEXT,
    wednesday TEXT,
    thursday TEXT,
    friday TEXT,
    saturday TEXT,
    sunday TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX calendars_project ON calendars (project_id);

CREATE TABLE calendar_exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    shifts TEXT NOT NULL
);
CREATE INDEX calendar_exceptions_calendar ON calendar_exceptions (calendar_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    -- Order among the siblings under the same parent.
    position INTEGER NOT NULL,
    task_key TEXT NOT NULL,
    name TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    duration_elapsed INTEGER NOT NULL,
    milestone INTEGER NOT NULL,
    constraint_type TEXT NOT NULL,
    constraint_date TEXT,
    deadline TEXT,
    calendar_id INTEGER REFERENCES calendars (id),
    priority INTEGER NOT NULL,
    task_type TEXT NOT NULL,
    effort_driven INTEGER NOT NULL,
    actual_start TEXT,
    actual_finish TEXT,
    percent_complete REAL NOT NULL,
    remaining_minutes INTEGER,
    remaining_elapsed INTEGER NOT NULL,
    resume_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, task_key)
);
CREATE INDEX tasks_parent ON tasks (parent_id);

CREATE TABLE links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    predecessor_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    successor_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    link_type TEXT NOT NULL,
    -- 'none', 'working' or 'elapsed' (minutes), 'percent' (of the predecessor's duration).
    lag_kind TEXT NOT NULL,
    lag_value REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (predecessor_id, successor_id)
);
CREATE INDEX links_project ON links (project_id);
CREATE INDEX links_successor ON links (successor_id);

CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    -- Resources with the same key in several projects are one shared person or team.
    resource_key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_units REAL NOT NULL,
    calendar_id INTEGER REFERENCES calendars (id),
    standard_rate REAL NOT NULL,
    overtime_rate REAL NOT NULL,
    cost_per_use REAL NOT NULL,
    resource_group TEXT,
    initials TEXT,
    email TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (project_id, resource_key)
);
CREATE INDEX resources_key ON resources (resource_key);

CREATE TABLE resource_availability (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    from_at TEXT,
    to_at TEXT,
    units REAL NOT NULL
);
CREATE INDEX resource_availability_resource ON resource_availability (resource_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    units REAL NOT NULL,
    work_minutes INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (task_id, resource_id)
);
CREATE INDEX assignments_project ON assignments (project_id);
CREATE INDEX assignments_resource ON assignments (resource_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX comments_project ON comments (project_id, task_id);

CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    -- 'project', 'task', 'link', 'calendar', 'resource', 'assignment', 'member', 'comment'.
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    -- 'create', 'update' or 'delete'.
    action TEXT NOT NULL,
    -- What people read: the task's name, "design → build".
    label TEXT NOT NULL,
    -- The changed fields as a JSON array of {"field", "old", "new"}.
    changes TEXT NOT NULL
);
CREATE INDEX history_project ON history (project_id, id);
