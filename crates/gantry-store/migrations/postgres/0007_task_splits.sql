-- Split tasks (issue 4): whether leveling may split a task (MS Project's "Leveling can split"),
-- and its splits, the pauses inside its work, as "after+gap" in working minutes, comma
-- separated, in order ("960+1440,2880+480"; empty for none). Kept on the task's row so that
-- they are versioned and recorded with the task.
ALTER TABLE tasks ADD COLUMN leveling_can_split BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tasks ADD COLUMN splits TEXT NOT NULL DEFAULT '';
