-- Status reports marked as sent to stakeholders: the next report lists the changes approved
-- since the last one.
CREATE TABLE status_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sent_by BIGINT NOT NULL REFERENCES users (id),
    sent_at TEXT NOT NULL
);

CREATE INDEX status_reports_project ON status_reports (project_id, id);
