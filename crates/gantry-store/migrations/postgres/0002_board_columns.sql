-- A project's Kanban board: the columns a project chose instead of the default three (to do,
-- in progress, done). A project without rows here shows the default columns.

-- One row per project whose board was configured; its version is raised by every change to
-- the columns, so that two managers editing them at once do not overwrite each other.
CREATE TABLE boards (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 1
);

-- The columns, left to right. A card (a leaf task) sits in the last column whose percent is at
-- most the task's percent complete (a started task skips a 0 % column for the next one);
-- dropping a card in a column sets the task's percent complete to the column's. The percents
-- rise strictly from left to right.
CREATE TABLE board_columns (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    percent BIGINT NOT NULL,
    -- At most this many cards should be in the column (work in progress limit); NULL for none.
    wip_limit BIGINT,
    PRIMARY KEY (project_id, position)
);
