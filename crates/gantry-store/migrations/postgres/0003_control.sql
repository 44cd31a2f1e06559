-- Project control (issue 7): baselines, costs beyond the resources' rates, and tracking (time
-- entries and expenses). Rows name tasks and resources by row id; deleting a task or a resource
-- deletes what hangs on it.

-- Saved baselines, 0 ("Baseline") to 10 ("Baseline10"), one per number and project.
CREATE TABLE baselines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    -- When it was saved (civil date-time); NULL when unknown (MS Project files do not say).
    saved_at TEXT,
    UNIQUE (project_id, number)
);

-- Each task's values in a baseline (tasks added since have no row).
CREATE TABLE baseline_tasks (
    baseline_id BIGINT NOT NULL REFERENCES baselines (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    finish_at TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    work_minutes BIGINT NOT NULL,
    cost DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (baseline_id, task_id)
);
CREATE INDEX baseline_tasks_task ON baseline_tasks (task_id);

-- A task's fixed cost and how it accrues ('start', 'prorated', 'end'); at most one per task.
CREATE TABLE fixed_costs (
    task_id BIGINT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    amount DOUBLE PRECISION NOT NULL,
    accrual TEXT NOT NULL
);
CREATE INDEX fixed_costs_project ON fixed_costs (project_id);

-- A cost resource's amount on a task, in the plan's order.
CREATE TABLE cost_amounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    amount DOUBLE PRECISION NOT NULL
);
CREATE INDEX cost_amounts_project ON cost_amounts (project_id);

-- Hours a resource worked on a task on a day, in the order they were logged.
CREATE TABLE time_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    entry_date TEXT NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    overtime_hours DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX time_entries_project ON time_entries (project_id);
CREATE INDEX time_entries_task ON time_entries (task_id);
CREATE INDEX time_entries_resource ON time_entries (resource_id);

-- Money spent on a task outside the resources' rates, in the order it was recorded.
CREATE TABLE expenses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    expense_date TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL,
    description TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX expenses_project ON expenses (project_id);
CREATE INDEX expenses_task ON expenses (task_id);
