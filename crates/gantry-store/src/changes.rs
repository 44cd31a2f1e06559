//! Change requests: a change to a project's plan, proposed as a list of edits with a title, a
//! reason and who asked; its impact (finish date, critical path, cost, the tasks that move)
//! computed on a copy of the plan before anyone decides; approved by a manager (all its edits in
//! one transaction, with the decision, and optionally a baseline saved from the plan after the
//! change in that same transaction) or rejected with a reason. Every request stays on record
//! with its status, who decided and when, and the impact at decision time.

use std::collections::{HashMap, HashSet};

use gantry_core::WorkingCalendar;
use gantry_core::baseline::check_number;
use gantry_core::cost::task_costs;
use gantry_core::cpm::{Schedule, ScheduleOptions, schedule};
use gantry_core::model::{Constraint, Duration, Lag, LinkType, Plan};
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::control::ControlEdit;
use crate::error::{Result, StoreError};
use crate::plan_rows::TaskChanges;
use crate::projects::{Edit, EditOutcome, schedule_error};
use crate::store::{Store, now};

/// One edit of a change request, in the words of a project manager. Task, resource and
/// assignment ids are row ids; `version` is the version of the row when the change was proposed,
/// so that a change made on a task that has moved on since is refused on approval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChangeItem {
    /// A task gets a new duration.
    SetDuration {
        /// The task.
        task: i64,
        /// Its version when proposed.
        version: i64,
        /// The new duration in working minutes.
        duration_minutes: i64,
    },
    /// A new task, under `parent` (top level when `None`), following `after` (finish to
    /// start) when given.
    AddTask {
        /// Its name.
        name: String,
        /// Its duration in working minutes.
        duration_minutes: i64,
        /// The summary task it goes under.
        #[serde(default)]
        parent: Option<i64>,
        /// The task it follows.
        #[serde(default)]
        after: Option<i64>,
    },
    /// A task may not start before a date (a Start No Earlier Than constraint).
    StartNoEarlierThan {
        /// The task.
        task: i64,
        /// Its version when proposed.
        version: i64,
        /// The date (`2026-03-02`) or date and time (`2026-03-02T08:00`).
        date: String,
    },
    /// A resource is put on a task.
    Assign {
        /// The task.
        task: i64,
        /// The resource.
        resource: i64,
        /// Its units (1.0 = full time).
        units: f64,
    },
    /// An assignment's units change.
    SetUnits {
        /// The assignment.
        assignment: i64,
        /// Its version when proposed.
        version: i64,
        /// The new units.
        units: f64,
    },
    /// A new finish-to-start dependency.
    AddLink {
        /// The task that drives.
        predecessor: i64,
        /// The task that follows.
        successor: i64,
    },
}

/// Where a change request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Waiting for a decision.
    Proposed,
    /// Applied to the plan.
    Approved,
    /// Turned down.
    Rejected,
}

impl ChangeStatus {
    /// The word stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            ChangeStatus::Proposed => "proposed",
            ChangeStatus::Approved => "approved",
            ChangeStatus::Rejected => "rejected",
        }
    }

    fn parse(code: &str) -> Result<ChangeStatus> {
        match code {
            "proposed" => Ok(ChangeStatus::Proposed),
            "approved" => Ok(ChangeStatus::Approved),
            "rejected" => Ok(ChangeStatus::Rejected),
            other => Err(StoreError::Corrupt(format!("change status \"{other}\""))),
        }
    }
}

/// A task as an impact names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRef {
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
}

/// A task whose dates a change moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MovedTask {
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Start before the change (civil date-time).
    pub start_before: String,
    /// Start after it.
    pub start_after: String,
    /// Finish before the change.
    pub finish_before: String,
    /// Finish after it.
    pub finish_after: String,
}

/// What a change does to the plan, computed on a copy before it is applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    /// The project's finish now (civil date-time).
    pub finish_before: String,
    /// Its finish with the change.
    pub finish_after: String,
    /// The difference in working days of the project calendar (positive: later).
    pub finish_days: f64,
    /// The planned cost now (every task's cost, summaries not counted twice).
    pub cost_before: f64,
    /// The planned cost with the change.
    pub cost_after: f64,
    /// The critical tasks now (leaf tasks and milestones), in plan order.
    pub critical_before: Vec<TaskRef>,
    /// The critical tasks with the change.
    pub critical_after: Vec<TaskRef>,
    /// Tasks the change makes critical.
    pub entering_critical: Vec<TaskRef>,
    /// Tasks the change takes off the critical path.
    pub leaving_critical: Vec<TaskRef>,
    /// Tasks the change adds.
    pub added: Vec<TaskRef>,
    /// Existing tasks whose start or finish moves (summaries not listed).
    pub moved: Vec<MovedTask>,
}

/// A change request as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeRequest {
    /// Row id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// What the change is, in a line.
    pub title: String,
    /// Why it is needed.
    pub reason: String,
    /// The edits.
    pub items: Vec<ChangeItem>,
    /// Who proposed it.
    pub requested_by: i64,
    /// Their username.
    pub requested_by_name: String,
    /// When (UTC).
    pub requested_at: String,
    /// The project's version when it was proposed.
    pub project_version: i64,
    /// Where it stands.
    pub status: ChangeStatus,
    /// Who approved or rejected it.
    pub decided_by: Option<i64>,
    /// Their username.
    pub decided_by_name: Option<String>,
    /// When (UTC).
    pub decided_at: Option<String>,
    /// The reason given for a rejection, or a note on an approval.
    pub decision_note: Option<String>,
    /// The impact at decision time.
    pub impact: Option<Impact>,
    /// Raised by every change to the request.
    pub version: i64,
}

/// A new change request.
#[derive(Clone, Debug, PartialEq)]
pub struct NewChange {
    /// What the change is, in a line.
    pub title: String,
    /// Why it is needed.
    pub reason: String,
    /// The edits, at least one.
    pub items: Vec<ChangeItem>,
}

/// An approval written in the transaction that applies the change.
pub(crate) struct Approval {
    pub(crate) change_id: i64,
    pub(crate) user_id: i64,
    pub(crate) note: Option<String>,
    pub(crate) impact: String,
}

/// The most edits one change request may hold.
pub const MAX_CHANGE_ITEMS: usize = 100;

/// The store's edits for a change's items: a new task that follows another becomes the task
/// and its link (the new task named by its placeholder id, see [`Store::edit_all`]).
pub fn change_edits(items: &[ChangeItem]) -> Result<Vec<Edit>> {
    let mut edits = Vec::with_capacity(items.len());
    let mut created = 0;
    for item in items {
        match item {
            ChangeItem::SetDuration {
                task,
                version,
                duration_minutes,
            } => {
                check_duration(*duration_minutes)?;
                edits.push(Edit::UpdateTask {
                    task: *task,
                    version: *version,
                    changes: TaskChanges {
                        duration: Some(Duration::working(*duration_minutes)),
                        ..TaskChanges::default()
                    },
                });
            }
            ChangeItem::AddTask {
                name,
                duration_minutes,
                parent,
                after,
            } => {
                check_duration(*duration_minutes)?;
                edits.push(Edit::CreateTask {
                    parent: *parent,
                    key: None,
                    name: name.clone(),
                    changes: TaskChanges {
                        duration: Some(Duration::working(*duration_minutes)),
                        ..TaskChanges::default()
                    },
                });
                created -= 1;
                if let Some(after) = after {
                    edits.push(Edit::CreateLink {
                        predecessor: *after,
                        successor: created,
                        kind: LinkType::FinishToStart,
                        lag: Lag::None,
                    });
                }
            }
            ChangeItem::StartNoEarlierThan {
                task,
                version,
                date,
            } => edits.push(Edit::UpdateTask {
                task: *task,
                version: *version,
                changes: TaskChanges {
                    constraint: Some(Constraint::StartNoEarlierThan(parse_date(date)?)),
                    ..TaskChanges::default()
                },
            }),
            ChangeItem::Assign {
                task,
                resource,
                units,
            } => edits.push(Edit::Assign {
                task: *task,
                resource: *resource,
                units: *units,
            }),
            ChangeItem::SetUnits {
                assignment,
                version,
                units,
            } => edits.push(Edit::UpdateAssignment {
                assignment: *assignment,
                version: *version,
                units: Some(*units),
                work_minutes: None,
            }),
            ChangeItem::AddLink {
                predecessor,
                successor,
            } => edits.push(Edit::CreateLink {
                predecessor: *predecessor,
                successor: *successor,
                kind: LinkType::FinishToStart,
                lag: Lag::None,
            }),
        }
    }
    Ok(edits)
}

fn check_duration(minutes: i64) -> Result<()> {
    if (0..=1_000 * 24 * 60).contains(&minutes) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            Some("duration"),
            "a duration is between 0 and 1,000 days",
        ))
    }
}

fn parse_date(text: &str) -> Result<DateTime> {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text}T00:00")
    } else {
        text.to_string()
    };
    full.parse().map_err(|_| {
        StoreError::invalid(
            Some("date"),
            format!("\"{text}\" is not a date: write it as 2026-03-02 or 2026-03-02T08:00"),
        )
    })
}

/// The planned cost of a whole plan: each top-level task's cost (summaries roll up theirs).
pub fn plan_cost(plan: &Plan) -> f64 {
    task_costs(plan)
        .iter()
        .zip(&plan.tasks)
        .filter(|(_, task)| task.parent.is_none())
        .map(|(cost, _)| cost.total)
        .sum()
}

/// The impact of going from `before` to `after` (tasks matched by key).
pub fn impact(
    before: &Plan,
    before_schedule: &Schedule,
    after: &Plan,
    after_schedule: &Schedule,
) -> Impact {
    let critical = |plan: &Plan, schedule: &Schedule| -> Vec<TaskRef> {
        plan.tasks
            .iter()
            .zip(&schedule.tasks)
            .filter(|(_, dates)| dates.critical && !dates.is_summary)
            .map(|(task, _)| TaskRef {
                key: task.key.clone(),
                name: task.name.clone(),
            })
            .collect()
    };
    let critical_before = critical(before, before_schedule);
    let critical_after = critical(after, after_schedule);
    let keys = |tasks: &[TaskRef]| -> HashSet<String> {
        tasks.iter().map(|task| task.key.clone()).collect()
    };
    let (was, is) = (keys(&critical_before), keys(&critical_after));
    let entering_critical = critical_after
        .iter()
        .filter(|task| !was.contains(&task.key))
        .cloned()
        .collect();
    let leaving_critical = critical_before
        .iter()
        .filter(|task| !is.contains(&task.key))
        .cloned()
        .collect();
    let index_before: HashMap<&str, usize> = before
        .tasks
        .iter()
        .enumerate()
        .map(|(index, task)| (task.key.as_str(), index))
        .collect();
    let mut added = Vec::new();
    let mut moved = Vec::new();
    for (index, task) in after.tasks.iter().enumerate() {
        let now = &after_schedule.tasks[index];
        match index_before.get(task.key.as_str()) {
            None => added.push(TaskRef {
                key: task.key.clone(),
                name: task.name.clone(),
            }),
            Some(&old) => {
                let then = &before_schedule.tasks[old];
                if !now.is_summary && (then.start != now.start || then.finish != now.finish) {
                    moved.push(MovedTask {
                        key: task.key.clone(),
                        name: task.name.clone(),
                        start_before: civil(then.start),
                        start_after: civil(now.start),
                        finish_before: civil(then.finish),
                        finish_after: civil(now.finish),
                    });
                }
            }
        }
    }
    let per_day = after.durations.minutes_per_day.max(1) as f64;
    let finish_days = match WorkingCalendar::build(&after.calendars, after.calendar) {
        Ok(calendar) => {
            calendar.working_minutes_between(
                before_schedule.project_finish,
                after_schedule.project_finish,
            ) as f64
                / per_day
        }
        // A plan that schedules has a working project calendar; count clock days otherwise.
        Err(_) => {
            (after_schedule.project_finish.0 - before_schedule.project_finish.0) as f64 / 1440.0
        }
    };
    Impact {
        finish_before: civil(before_schedule.project_finish),
        finish_after: civil(after_schedule.project_finish),
        finish_days,
        cost_before: plan_cost(before),
        cost_after: plan_cost(after),
        critical_before,
        critical_after,
        entering_critical,
        leaving_critical,
        added,
        moved,
    }
}

fn civil(instant: gantry_core::Instant) -> String {
    instant.to_civil().to_string()
}

const SELECT: &str = "SELECT c.id, c.project_id, c.title, c.reason, c.items, c.requested_by, \
     r.username AS requested_by_name, c.requested_at, c.project_version, c.status, c.decided_by, \
     d.username AS decided_by_name, c.decided_at, c.decision_note, c.impact, c.version \
     FROM change_requests c JOIN users r ON r.id = c.requested_by \
     LEFT JOIN users d ON d.id = c.decided_by";

fn change_from(row: &AnyRow) -> Result<ChangeRequest> {
    let items: String = row.try_get("items")?;
    let impact: Option<String> = row.try_get("impact")?;
    let status: String = row.try_get("status")?;
    Ok(ChangeRequest {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        title: row.try_get("title")?,
        reason: row.try_get("reason")?,
        items: serde_json::from_str(&items)
            .map_err(|error| StoreError::Corrupt(format!("change items: {error}")))?,
        requested_by: row.try_get("requested_by")?,
        requested_by_name: row.try_get("requested_by_name")?,
        requested_at: row.try_get("requested_at")?,
        project_version: row.try_get("project_version")?,
        status: ChangeStatus::parse(&status)?,
        decided_by: row.try_get("decided_by")?,
        decided_by_name: row.try_get("decided_by_name")?,
        decided_at: row.try_get("decided_at")?,
        decision_note: row.try_get("decision_note")?,
        impact: impact
            .map(|impact| serde_json::from_str(&impact))
            .transpose()
            .map_err(|error| StoreError::Corrupt(format!("change impact: {error}")))?,
        version: row.try_get("version")?,
    })
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(StoreError::invalid(
            Some(field),
            format!("the {field} needs text, at most {max} characters"),
        ));
    }
    Ok(text.to_string())
}

fn serialize<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// Writes an approval in the transaction that applies the change: refused (and so the whole
/// transaction) when the request is no longer waiting for a decision.
pub(crate) async fn record_approval(
    connection: &mut AnyConnection,
    project_id: i64,
    approval: &Approval,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE change_requests SET status = 'approved', decided_by = $1, decided_at = $2, \
         decision_note = $3, impact = $4, version = version + 1 \
         WHERE id = $5 AND project_id = $6 AND status = 'proposed' RETURNING id",
    )
    .bind(approval.user_id)
    .bind(now())
    .bind(approval.note.as_deref())
    .bind(approval.impact.as_str())
    .bind(approval.change_id)
    .bind(project_id)
    .fetch_optional(&mut *connection)
    .await?;
    match updated {
        Some(_) => Ok(()),
        None => Err(already_decided(approval.change_id)),
    }
}

fn already_decided(id: i64) -> StoreError {
    StoreError::invalid(
        Some("status"),
        format!("change request {id} was already approved or rejected"),
    )
}

impl Store {
    /// Records a change request proposed by `user_id`, after checking that its edits apply to
    /// the plan as it is now (a change that cannot apply is refused with the reason).
    pub async fn propose_change(
        &self,
        project_id: i64,
        user_id: i64,
        change: NewChange,
    ) -> Result<ChangeRequest> {
        let title = check_text("title", &change.title, 200)?;
        let reason = check_text("reason", &change.reason, 5_000)?;
        if change.items.is_empty() || change.items.len() > MAX_CHANGE_ITEMS {
            return Err(StoreError::invalid(
                Some("items"),
                format!("a change request holds 1 to {MAX_CHANGE_ITEMS} edits"),
            ));
        }
        let (plan, _, _) = self.preview_change(project_id, &change.items).await?;
        let row = sqlx::query(
            "INSERT INTO change_requests (project_id, title, reason, items, requested_by, \
             requested_at, project_version) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(project_id)
        .bind(title)
        .bind(reason)
        .bind(serialize(&change.items)?)
        .bind(user_id)
        .bind(now())
        .bind(plan.version)
        .fetch_one(&self.pool)
        .await?;
        self.change(project_id, row.try_get("id")?).await
    }

    /// The change requests of a project, newest first.
    pub async fn changes(&self, project_id: i64) -> Result<Vec<ChangeRequest>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.project_id = $1 ORDER BY c.id DESC"
        )))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from).collect()
    }

    /// One change request of a project.
    pub async fn change(&self, project_id: i64, change_id: i64) -> Result<ChangeRequest> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.project_id = $1 AND c.id = $2"
        )))
        .bind(project_id)
        .bind(change_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "change request",
            id: change_id,
        })?;
        change_from(&row)
    }

    /// The plan as it is now and as `items` would leave it, with its schedule (nothing written).
    async fn preview_change(
        &self,
        project_id: i64,
        items: &[ChangeItem],
    ) -> Result<(crate::StoredPlan, crate::StoredPlan, Schedule)> {
        let edits = change_edits(items)?;
        let before = self.plan(project_id).await?;
        let (after, after_schedule) = self.preview_edits(project_id, &edits).await?;
        Ok((before, after, after_schedule))
    }

    /// What the edits `items` would do to the plan as it is now: a what-if on a copy, nothing
    /// written.
    pub async fn change_items_impact(
        &self,
        project_id: i64,
        items: &[ChangeItem],
    ) -> Result<Impact> {
        let (before, after, after_schedule) = self.preview_change(project_id, items).await?;
        let before_schedule = schedule(&before.plan, &ScheduleOptions::default())
            .map_err(|failure| schedule_error(&before.plan, failure))?;
        Ok(impact(
            &before.plan,
            &before_schedule,
            &after.plan,
            &after_schedule,
        ))
    }

    /// The impact of a change request on the plan as it is now (a request already decided
    /// shows the impact recorded at its decision).
    pub async fn change_impact(&self, project_id: i64, change_id: i64) -> Result<Impact> {
        let change = self.change(project_id, change_id).await?;
        match (change.status, change.impact) {
            (ChangeStatus::Proposed, _) | (_, None) => {
                self.change_items_impact(project_id, &change.items).await
            }
            (_, Some(impact)) => Ok(impact),
        }
    }

    /// Approves a proposed change: its edits are applied in one transaction with the decision
    /// (and its impact at this moment). If the plan moved since the proposal so that an edit no
    /// longer applies (a task changed, deleted, a loop), nothing is applied and the error says
    /// why.
    ///
    /// With `rebaseline`, the plan after the change is also saved as that baseline (0 to 10,
    /// replacing one saved before under the number) in the same transaction: a refused approval
    /// saves no baseline either.
    pub async fn approve_change(
        &self,
        project_id: i64,
        change_id: i64,
        user_id: i64,
        note: Option<&str>,
        rebaseline: Option<u8>,
    ) -> Result<(ChangeRequest, EditOutcome)> {
        let change = self.change(project_id, change_id).await?;
        if change.status != ChangeStatus::Proposed {
            return Err(already_decided(change_id));
        }
        if let Some(number) = rebaseline {
            check_number(u32::from(number))
                .map_err(|error| StoreError::invalid(Some("rebaseline"), error.to_string()))?;
        }
        let impact = self.change_items_impact(project_id, &change.items).await?;
        let mut edits = change_edits(&change.items)?;
        // Applied last, so the baseline is the schedule after the change's edits.
        if let Some(number) = rebaseline {
            edits.push(Edit::Control(ControlEdit::SaveBaseline {
                number: u32::from(number),
            }));
        }
        let approval = Approval {
            change_id,
            user_id,
            note: note
                .map(str::trim)
                .filter(|note| !note.is_empty())
                .map(str::to_string),
            impact: serialize(&impact)?,
        };
        let outcome = self
            .write_plan(
                project_id,
                Some(user_id),
                |after| crate::projects::apply_all(after, &edits),
                Some(&approval),
            )
            .await?;
        Ok((self.change(project_id, change_id).await?, outcome))
    }

    /// Rejects a proposed change with a reason; the plan is not touched.
    pub async fn reject_change(
        &self,
        project_id: i64,
        change_id: i64,
        user_id: i64,
        reason: &str,
    ) -> Result<ChangeRequest> {
        let reason = check_text("reason", reason, 5_000)?;
        let change = self.change(project_id, change_id).await?;
        if change.status != ChangeStatus::Proposed {
            return Err(already_decided(change_id));
        }
        // The impact as the decision saw it; a change that no longer applies has none.
        let impact = self
            .change_items_impact(project_id, &change.items)
            .await
            .ok()
            .map(|impact| serialize(&impact))
            .transpose()?;
        let updated = sqlx::query(
            "UPDATE change_requests SET status = 'rejected', decided_by = $1, decided_at = $2, \
             decision_note = $3, impact = $4, version = version + 1 \
             WHERE id = $5 AND project_id = $6 AND status = 'proposed' RETURNING id",
        )
        .bind(user_id)
        .bind(now())
        .bind(reason)
        .bind(impact)
        .bind(change_id)
        .bind(project_id)
        .fetch_optional(&self.pool)
        .await?;
        if updated.is_none() {
            return Err(already_decided(change_id));
        }
        self.change(project_id, change_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gantry_core::model::{Assignment, Resource, Task};

    #[test]
    fn impact_counts_the_cost_and_the_critical_path_that_change() {
        let mut plan = Plan::new("cost", "2026-03-02T08:00".parse().expect("date"));
        let mut design = Task::new("design", "Design");
        design.duration = Duration::working(2 * 480);
        plan.add_task(design);
        let mut docs = Task::new("docs", "Docs");
        docs.duration = Duration::working(480);
        let docs = plan.add_task(docs);
        let mut ana = Resource::new("ana", "Ana");
        ana.standard_rate = 100.0;
        let ana = plan.add_resource(ana);
        plan.assignments.push(Assignment {
            task: docs,
            resource: ana,
            units: 1.0,
            work: None,
        });
        // Two tasks side by side from the project start; design, the longer, is critical.
        let before = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let mut longer = plan.clone();
        longer.tasks[docs.index()].duration = Duration::working(4 * 480);
        let after = schedule(&longer, &ScheduleOptions::default()).expect("schedules");
        let impact = impact(&plan, &before, &longer, &after);
        // Docs: 1 day × 8 h × 100 = 800, then 4 days = 3,200.
        assert_eq!(impact.cost_before, 800.0);
        assert_eq!(impact.cost_after, 3_200.0);
        // Docs (4 days from Monday) now finishes two days after design (2 days), and takes
        // design's place on the critical path.
        assert_eq!(impact.finish_days, 2.0);
        let keys = |tasks: &[TaskRef]| tasks.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&impact.entering_critical), ["docs"]);
        assert_eq!(keys(&impact.leaving_critical), ["design"]);
        assert_eq!(impact.moved.len(), 1);
        assert_eq!(impact.moved[0].finish_after, "2026-03-05T17:00:00");
    }
}
