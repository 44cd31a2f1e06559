//! Projects, their members, and the one path every change to a plan takes: [`Store::edit`].

use std::collections::HashMap;
use std::sync::Arc;

use gantry_core::cpm::{Schedule, ScheduleOptions, schedule};
use gantry_core::level::Leveling;
use gantry_core::model::{Lag, Link, LinkType, Plan, Task, TaskId};
use sqlx::AssertSqlSafe;
use sqlx::{AnyConnection, Row};

use crate::accounts::is_unique_violation;
use crate::changes;
use crate::error::{Result, StoreError};
use crate::history::{self, FieldChange, Record};
use crate::plan_rows::{
    Columns, StoredPlan, TaskChanges, Value, assignment_columns, calendar_columns, changed_columns,
    insert_plan, insert_row, link_columns, load_plan, project_columns, resource_columns,
    sibling_positions, task_columns, update_row,
};
use crate::setup::{self, SetupEdit};
use crate::store::{Store, now};

/// What a member may do in a project. Ordered: each role can do what the ones below it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything, changes nothing (a stakeholder).
    Viewer,
    /// Updates progress and comments on tasks.
    Member,
    /// Plans: tasks, links, calendars, resources, assignments, leveling.
    Manager,
    /// A manager who also manages the members and may delete the project.
    Owner,
}

impl Role {
    /// The word stored and shown: `owner`, `manager`, `member`, `viewer`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// The role a word names.
    pub fn parse(code: &str) -> Option<Role> {
        [Role::Viewer, Role::Member, Role::Manager, Role::Owner]
            .into_iter()
            .find(|role| role.code() == code)
    }
}

/// A project as listed: enough for a dashboard row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectSummary {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Project start, civil date-time.
    pub start: String,
    /// Version, raised by every change.
    pub version: i64,
    /// When it last changed (UTC).
    pub updated_at: String,
    /// The asking user's role (`None` for an administrator who is not a member).
    pub role: Option<Role>,
}

/// A member of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
}

/// A change to a project's plan. Row ids name tasks and links; `version` is the version of the
/// row the client read, and the edit is refused as a conflict if the row has moved on.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Changes a task's own fields.
    UpdateTask {
        /// The task.
        task: i64,
        /// The version the client read.
        version: i64,
        /// What changes.
        changes: TaskChanges,
    },
    /// Adds a task as the last child of `parent` (at the top level when `None`).
    CreateTask {
        /// The summary task to add it under.
        parent: Option<i64>,
        /// Its key; a free `T<n>` when `None`.
        key: Option<String>,
        /// Its name.
        name: String,
        /// Its other fields.
        changes: TaskChanges,
    },
    /// Deletes a task with its subtasks, their links and assignments.
    DeleteTask {
        /// The task.
        task: i64,
        /// The version the client read.
        version: i64,
    },
    /// Adds a dependency.
    CreateLink {
        /// The task that drives.
        predecessor: i64,
        /// The task that follows.
        successor: i64,
        /// FS, SS, FF or SF.
        kind: LinkType,
        /// Delay or lead.
        lag: Lag,
    },
    /// Deletes a dependency.
    DeleteLink {
        /// The link.
        link: i64,
        /// The version the client read.
        version: i64,
    },
    /// Moves a task with its subtasks to another place in the WBS: under `parent` (the top
    /// level when `None`), before its child number `position` (last when `None`). Indenting is
    /// a move under the previous sibling; outdenting, a move after the parent.
    MoveTask {
        /// The task.
        task: i64,
        /// The version the client read.
        version: i64,
        /// The new summary task above it.
        parent: Option<i64>,
        /// Its place among the new parent's children.
        position: Option<usize>,
    },
    /// Puts a resource on a task; an effort-driven task shares its work with the newcomer (see
    /// `gantry_core::work`).
    Assign {
        /// The task.
        task: i64,
        /// The resource.
        resource: i64,
        /// Its units (1.0 = full time; a quantity for material).
        units: f64,
    },
    /// Changes an assignment's units or work, the task type saying what follows.
    UpdateAssignment {
        /// The assignment.
        assignment: i64,
        /// The version the client read.
        version: i64,
        /// New units.
        units: Option<f64>,
        /// New work in minutes.
        work_minutes: Option<i64>,
    },
    /// Takes a resource off a task; on an effort-driven task the others take over its work.
    Unassign {
        /// The assignment.
        assignment: i64,
        /// The version the client read.
        version: i64,
    },
    /// Changes the project's setup: its own fields, calendars, resources, or levels it.
    Setup(SetupEdit),
    /// Changes the project's baselines, costs or tracking.
    Control(crate::control::ControlEdit),
}

/// What an edit left: the plan and its schedule at the new project version.
#[derive(Debug)]
pub struct EditOutcome {
    /// The plan as stored now.
    pub plan: StoredPlan,
    /// Its schedule.
    pub schedule: Schedule,
    /// The row id of what the edit created, if it created something.
    pub created: Option<i64>,
    /// What leveling did, for [`Edit::Level`].
    pub leveling: Option<Leveling>,
}

fn role_from(row: &sqlx::any::AnyRow) -> Result<Option<Role>> {
    let code: Option<String> = row.try_get("role")?;
    code.map(|code| {
        Role::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("role \"{code}\"")))
    })
    .transpose()
}

impl Store {
    /// Stores `plan` as a new project owned by `owner`, in one transaction, and returns it.
    pub async fn create_project(&self, plan: &Plan, owner: i64) -> Result<StoredPlan> {
        validate(plan)?;
        // A project is stored only if it schedules (a loop is refused with its tasks named).
        schedule(plan, &ScheduleOptions::default())
            .map_err(|failure| schedule_error(plan, failure))?;
        let _turn = self.writer_turn().await;
        let mut transaction = self.pool.begin().await?;
        let at = now();
        let mut columns = project_columns(plan);
        columns.push(("created_at", Value::Text(at.clone())));
        columns.push(("updated_at", Value::Text(at)));
        let project_id = insert_row(&mut transaction, "projects", &[], &columns).await?;
        let stored = insert_plan(&mut transaction, project_id, plan).await?;
        sqlx::query("INSERT INTO memberships (project_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(project_id)
            .bind(owner)
            .bind(Role::Owner.code())
            .execute(&mut *transaction)
            .await?;
        history::write(
            &mut transaction,
            project_id,
            Some(owner),
            &[Record {
                entity: "project",
                entity_id: project_id,
                action: "create",
                label: plan.name.clone(),
                changes: vec![FieldChange {
                    field: "tasks".into(),
                    old: None,
                    new: Some(plan.tasks.len().to_string()),
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(stored)
    }

    /// The projects `user_id` can see (every project for an administrator), by name.
    pub async fn projects_for(&self, user_id: i64, is_admin: bool) -> Result<Vec<ProjectSummary>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.start_at, p.version, p.updated_at, m.role \
             FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $1 \
             WHERE m.user_id IS NOT NULL OR $2 \
             ORDER BY p.name, p.id",
        )
        .bind(user_id)
        .bind(is_admin)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ProjectSummary {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    start: row.try_get("start_at")?,
                    version: row.try_get("version")?,
                    updated_at: row.try_get("updated_at")?,
                    role: role_from(row)?,
                })
            })
            .collect()
    }

    /// The current version of a project (one cheap query: a cached schedule is still good when
    /// the version has not moved).
    pub async fn project_version(&self, project_id: i64) -> Result<i64> {
        sqlx::query("SELECT version FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "project",
                id: project_id,
            })?
            .try_get("version")
            .map_err(Into::into)
    }

    /// A project's plan with the ids and versions of its rows.
    pub async fn plan(&self, project_id: i64) -> Result<StoredPlan> {
        let version = self.project_version(project_id).await?;
        if let Some(plan) = self.cached_plan(project_id, version) {
            return Ok(StoredPlan::clone(&plan));
        }
        let plan = self.plan_from_tables(project_id).await?;
        self.cache_plan(Arc::new(plan.clone()));
        Ok(plan)
    }

    /// A project's plan read from its tables, never from the cache: what another process
    /// would read (consistency checks compare it with what an edit returned).
    pub async fn plan_from_tables(&self, project_id: i64) -> Result<StoredPlan> {
        // One snapshot for all the plan's tables, so that an edit committed halfway through the
        // reads cannot mix two versions (SQLite's transactions are snapshots; PostgreSQL's
        // default gives each statement its own).
        let mut transaction = self.pool.begin().await?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *transaction)
                .await?;
        }
        let plan = load_plan(&mut transaction, project_id).await?;
        transaction.commit().await?;
        Ok(plan)
    }

    /// Deletes a project with everything in it.
    pub async fn delete_project(&self, project_id: i64) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        self.forget_plan(project_id);
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                entity: "project",
                id: project_id,
            });
        }
        Ok(())
    }

    /// `user_id`'s role in a project, if they are a member.
    pub async fn role(&self, project_id: i64, user_id: i64) -> Result<Option<Role>> {
        let row =
            sqlx::query("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
                .bind(project_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(row) => role_from(&row),
            None => Ok(None),
        }
    }

    /// A project's members, by username.
    pub async fn members(&self, project_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.username, u.display_name, m.role FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY u.username",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user_id: row.try_get("user_id")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: role_from(row)?.ok_or_else(|| StoreError::Corrupt("no role".into()))?,
                })
            })
            .collect()
    }

    /// Makes `user_id` a member with `role` (or changes their role), recorded in the history.
    pub async fn set_member(
        &self,
        project_id: i64,
        user_id: i64,
        role: Role,
        by: Option<i64>,
    ) -> Result<()> {
        let _turn = self.project_turn(project_id).await;
        let mut transaction = self.pool.begin().await?;
        lock_project(&mut transaction, project_id).await?;
        let old =
            sqlx::query("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
                .bind(project_id)
                .bind(user_id)
                .fetch_optional(&mut *transaction)
                .await?
                .map(|row| role_from(&row))
                .transpose()?
                .flatten();
        let user = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                id: user_id,
            })?;
        let username: String = user.try_get("username")?;
        if old.is_some() {
            sqlx::query(
                "UPDATE memberships SET role = $1, version = version + 1 \
                 WHERE project_id = $2 AND user_id = $3",
            )
        } else {
            sqlx::query("INSERT INTO memberships (role, project_id, user_id) VALUES ($1, $2, $3)")
        }
        .bind(role.code())
        .bind(project_id)
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
        history::write(
            &mut transaction,
            project_id,
            by,
            &[Record {
                entity: "member",
                entity_id: user_id,
                action: if old.is_some() { "update" } else { "create" },
                label: username,
                changes: vec![FieldChange {
                    field: "role".into(),
                    old: old.map(|role| role.code().to_string()),
                    new: Some(role.code().to_string()),
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes a member, recorded in the history.
    pub async fn remove_member(
        &self,
        project_id: i64,
        user_id: i64,
        by: Option<i64>,
    ) -> Result<()> {
        let _turn = self.project_turn(project_id).await;
        let mut transaction = self.pool.begin().await?;
        lock_project(&mut transaction, project_id).await?;
        let row = sqlx::query(
            "SELECT m.role, u.username FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.project_id = $1 AND m.user_id = $2",
        )
        .bind(project_id)
        .bind(user_id)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "member",
            id: user_id,
        })?;
        let role = role_from(&row)?;
        sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        history::write(
            &mut transaction,
            project_id,
            by,
            &[Record {
                entity: "member",
                entity_id: user_id,
                action: "delete",
                label: row.try_get("username")?,
                changes: vec![FieldChange {
                    field: "role".into(),
                    old: role.map(|role| role.code().to_string()),
                    new: None,
                }],
            }],
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Applies one change to a project's plan: in one transaction it locks the project, applies
    /// the edit to the plan in memory, schedules the result (refusing a plan that cannot be
    /// scheduled, with the tasks named), writes the rows that changed and records the history.
    /// On any error nothing is stored.
    pub async fn edit(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        edit: Edit,
    ) -> Result<EditOutcome> {
        self.write_plan(project_id, user_id, |after| apply(after, &edit), None)
            .await
    }

    /// Applies several changes to a project's plan as one: in one transaction, each edit is
    /// applied in turn to the plan in memory (as [`Store::edit`] would), the result is scheduled
    /// once and written once. If any edit fails (a conflict, a loop, a missing task) nothing is
    /// stored. A task created by the batch is named in later edits by a negative id: `-1` for
    /// the first task it creates, `-2` for the second, … (so a new task can be linked after an
    /// existing one). The outcome's `created` is the id of the last row created.
    pub async fn edit_all(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        edits: Vec<Edit>,
    ) -> Result<EditOutcome> {
        self.write_plan(project_id, user_id, |after| apply_all(after, &edits), None)
            .await
    }

    /// The plan as `edits` would leave it, with its schedule, without writing anything (a
    /// what-if on a copy of the plan, as [`Store::edit_all`] would apply it).
    pub async fn preview_edits(
        &self,
        project_id: i64,
        edits: &[Edit],
    ) -> Result<(StoredPlan, Schedule)> {
        let mut after = self.plan(project_id).await?;
        apply_all(&mut after, edits)?;
        crate::control::drop_unassigned_amounts(&mut after.plan);
        validate(&after.plan)?;
        let schedule = schedule(&after.plan, &ScheduleOptions::default())
            .map_err(|failure| schedule_error(&after.plan, failure))?;
        Ok((after, schedule))
    }

    /// The one transaction of every plan change: locks the project, applies `change` to the
    /// plan in memory, validates and schedules it, writes what differs and records the history
    /// (and, for an approved change request, the decision, in the same transaction).
    pub(crate) async fn write_plan(
        &self,
        project_id: i64,
        user_id: Option<i64>,
        change: impl FnOnce(&mut StoredPlan) -> Result<Applied>,
        decision: Option<&changes::Approval>,
    ) -> Result<EditOutcome> {
        let _turn = self.project_turn(project_id).await;
        let mut transaction = self.pool.begin().await?;
        let version = lock_project(&mut transaction, project_id).await?;
        // The plan as stored: the cached one when nobody changed the project since it was read
        // (the lock raised the version by one), else read in this transaction.
        let before = match self.cached_plan(project_id, version - 1) {
            Some(cached) => StoredPlan {
                version,
                ..StoredPlan::clone(&cached)
            },
            None => load_plan(&mut transaction, project_id).await?,
        };
        let mut after = before.clone();
        let Applied {
            created,
            touched,
            leveling,
        } = change(&mut after)?;
        crate::control::drop_unassigned_amounts(&mut after.plan);
        validate(&after.plan)?;
        let schedule = schedule(&after.plan, &ScheduleOptions::default())
            .map_err(|failure| schedule_error(&after.plan, failure))?;
        let (records, created) =
            persist(&mut transaction, &before, &mut after, created, touched).await?;
        history::write(&mut transaction, project_id, user_id, &records).await?;
        if let Some(decision) = decision {
            changes::record_approval(&mut transaction, project_id, decision).await?;
        }
        transaction.commit().await?;
        self.cache_plan(Arc::new(after.clone()));
        Ok(EditOutcome {
            plan: after,
            schedule,
            created,
            leveling,
        })
    }
}

/// Applies `edits` in turn to the plan in memory. Tasks they create get placeholder ids (`-1`,
/// `-2`, …) that later edits may name; these are turned back into new rows at the end. Every
/// row may have changed, so all of them are compared when written.
pub(crate) fn apply_all(stored: &mut StoredPlan, edits: &[Edit]) -> Result<Applied> {
    let mut placeholder = 0;
    let mut last = None;
    let mut leveling = None;
    for edit in edits {
        let applied = apply(stored, edit)?;
        if let Some(Created::Task(index)) = applied.created {
            placeholder -= 1;
            stored.task_ids[index] = placeholder;
        }
        last = applied.created.or(last);
        leveling = applied.leveling.or(leveling);
    }
    // A task index recorded by an earlier edit may have moved since; the written rows are found
    // by their placeholder ids instead.
    let created = match last {
        Some(Created::Task(_)) => stored.task_index(placeholder).map(Created::Task),
        other => other,
    };
    for id in &mut stored.task_ids {
        if *id < 0 {
            *id = NEW_ROW;
        }
    }
    Ok(Applied {
        created,
        touched: Touched {
            tasks: None,
            links: true,
            setup: true,
        },
        leveling,
    })
}

/// Raises the project's version and takes its write lock for the rest of the transaction: the
/// project's row on PostgreSQL, the database on SQLite (so the transaction never has to upgrade
/// a read lock, which could fail under load).
async fn lock_project(connection: &mut AnyConnection, project_id: i64) -> Result<i64> {
    sqlx::query(
        "UPDATE projects SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version",
    )
    .bind(now())
    .bind(project_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or(StoreError::NotFound {
        entity: "project",
        id: project_id,
    })?
    .try_get("version")
    .map_err(Into::into)
}

/// What an edit did to the plan in memory.
pub(crate) struct Applied {
    /// The new row it made, if any.
    pub(crate) created: Option<Created>,
    /// The rows it may have changed.
    pub(crate) touched: Touched,
    /// What leveling did, for a leveling edit.
    pub(crate) leveling: Option<Leveling>,
}

impl Applied {
    pub(crate) fn of(created: Option<Created>, touched: Touched) -> Applied {
        Applied {
            created,
            touched,
            leveling: None,
        }
    }
}

/// A new row in `after`: its row id is 0 until it is written.
pub(crate) const NEW_ROW: i64 = 0;

/// Which new row an edit created, before it has an id.
pub(crate) enum Created {
    Task(usize),
    Link(usize),
    Assignment(usize),
    Calendar(usize),
    /// Calendar index, exception position.
    Exception(usize, usize),
    Resource(usize),
    TimeEntry(usize),
    Expense(usize),
}

/// Which existing rows an edit may have changed, so that only those are compared (new and
/// deleted rows are always found). Comparing every task's columns costs more than the rest of
/// an edit on a plan of a thousand tasks.
pub(crate) struct Touched {
    /// The plan indexes (after the edit) of the tasks that may have changed; `None`: any task.
    pub(crate) tasks: Option<Vec<usize>>,
    /// Whether existing links may have changed.
    pub(crate) links: bool,
    /// Whether the project row, calendars or resources may have changed.
    pub(crate) setup: bool,
}

impl Touched {
    fn everything() -> Touched {
        Touched {
            tasks: None,
            links: true,
            setup: false,
        }
    }

    /// The project row, calendars and resources, no task or link.
    pub(crate) fn setup() -> Touched {
        Touched {
            tasks: Some(Vec::new()),
            links: false,
            setup: true,
        }
    }
}

pub(crate) fn check_version(
    entity: &'static str,
    id: i64,
    expected: i64,
    current: i64,
) -> Result<()> {
    if expected == current {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            entity,
            id,
            expected,
            current,
        })
    }
}

fn task_index_of(stored: &StoredPlan, id: i64) -> Result<usize> {
    stored
        .task_index(id)
        .ok_or(StoreError::NotFound { entity: "task", id })
}

/// Applies `edit` to the plan in memory.
fn apply(stored: &mut StoredPlan, edit: &Edit) -> Result<Applied> {
    match edit {
        Edit::UpdateTask {
            task,
            version,
            changes,
        } => {
            let index = task_index_of(stored, *task)?;
            check_version("task", *task, *version, stored.task_versions[index])?;
            apply_task_changes(&mut stored.plan, index, changes)?;
            // Only this task and its assignments (a new duration may change their work).
            Ok(Applied::of(
                None,
                Touched {
                    tasks: Some(vec![index]),
                    links: false,
                    setup: false,
                },
            ))
        }
        Edit::CreateTask {
            parent,
            key,
            name,
            changes,
        } => {
            let parent_index = parent.map(|id| task_index_of(stored, id)).transpose()?;
            let key = match key {
                Some(key) => {
                    check_key("task key", key)?;
                    if stored.plan.tasks.iter().any(|task| &task.key == key) {
                        return Err(StoreError::Duplicate {
                            what: "task key",
                            value: key.clone(),
                        });
                    }
                    key.clone()
                }
                None => free_key(&stored.plan),
            };
            if name.trim().is_empty() {
                return Err(StoreError::invalid(Some("name"), "a task needs a name"));
            }
            if let Some(parent) = parent_index {
                check_may_have_subtasks(&stored.plan, parent, "parent")?;
            }
            let mut task = Task::new(key, name.clone());
            task.parent = parent_index.map(|index| TaskId(index as u32));
            // The last child of its parent goes after the parent's whole subtree.
            let index = match parent_index {
                Some(parent) => subtree_end(&stored.plan, parent),
                None => stored.plan.tasks.len(),
            };
            insert_task(stored, index, task);
            apply_task_changes(&mut stored.plan, index, changes)?;
            Ok(Applied::of(
                Some(Created::Task(index)),
                Touched::everything(),
            ))
        }
        Edit::DeleteTask { task, version } => {
            let index = task_index_of(stored, *task)?;
            check_version("task", *task, *version, stored.task_versions[index])?;
            let end = subtree_end(&stored.plan, index);
            remove_tasks(stored, index..end);
            Ok(Applied::of(None, Touched::everything()))
        }
        Edit::CreateLink {
            predecessor,
            successor,
            kind,
            lag,
        } => {
            let from = task_index_of(stored, *predecessor)?;
            let to = task_index_of(stored, *successor)?;
            let plan = &stored.plan;
            let (from_key, to_key) = (&plan.tasks[from].key, &plan.tasks[to].key);
            if from == to {
                return Err(StoreError::invalid(
                    Some("successor"),
                    format!("\"{from_key}\" cannot depend on itself"),
                ));
            }
            if is_ancestor(plan, from, to) || is_ancestor(plan, to, from) {
                return Err(StoreError::invalid(
                    Some("successor"),
                    format!(
                        "\"{from_key}\" and \"{to_key}\" are a summary task and its own subtask: they cannot be linked"
                    ),
                ));
            }
            if plan
                .links
                .iter()
                .any(|link| link.predecessor.index() == from && link.successor.index() == to)
            {
                return Err(StoreError::Duplicate {
                    what: "link",
                    value: format!("{from_key} → {to_key}"),
                });
            }
            stored.plan.links.push(Link {
                predecessor: TaskId(from as u32),
                successor: TaskId(to as u32),
                kind: *kind,
                lag: *lag,
            });
            stored.link_ids.push(NEW_ROW);
            stored.link_versions.push(1);
            Ok(Applied::of(
                Some(Created::Link(stored.plan.links.len() - 1)),
                Touched {
                    tasks: Some(Vec::new()),
                    links: false,
                    setup: false,
                },
            ))
        }
        Edit::DeleteLink { link, version } => {
            let index = stored.link_index(*link).ok_or(StoreError::NotFound {
                entity: "link",
                id: *link,
            })?;
            check_version("link", *link, *version, stored.link_versions[index])?;
            stored.plan.links.remove(index);
            stored.link_ids.remove(index);
            stored.link_versions.remove(index);
            Ok(Applied::of(
                None,
                Touched {
                    tasks: Some(Vec::new()),
                    links: false,
                    setup: false,
                },
            ))
        }
        Edit::MoveTask {
            task,
            version,
            parent,
            position,
        } => {
            let index = task_index_of(stored, *task)?;
            check_version("task", *task, *version, stored.task_versions[index])?;
            let parent_index = parent.map(|id| task_index_of(stored, id)).transpose()?;
            move_task(stored, index, parent_index, *position)?;
            Ok(Applied::of(None, Touched::everything()))
        }
        Edit::Assign {
            task,
            resource,
            units,
        } => {
            let index = task_index_of(stored, *task)?;
            let resource_index = stored
                .resource_index(*resource)
                .ok_or(StoreError::NotFound {
                    entity: "resource",
                    id: *resource,
                })?;
            let assignment = stored
                .plan
                .assign(
                    TaskId(index as u32),
                    gantry_core::model::ResourceId(resource_index as u32),
                    *units,
                )
                .map_err(|error| match error {
                    gantry_core::work::WorkEditError::AlreadyAssigned { task, resource } => {
                        StoreError::Duplicate {
                            what: "assignment",
                            value: format!("{resource} on {task}"),
                        }
                    }
                    gantry_core::work::WorkEditError::Units { .. } => work_error("units", error),
                    other => work_error("task_id", other),
                })?;
            // The new assignment is the last one (the work module appends).
            debug_assert_eq!(assignment, stored.plan.assignments.len() - 1);
            stored.assignment_ids.push(NEW_ROW);
            stored.assignment_versions.push(1);
            Ok(Applied::of(
                Some(Created::Assignment(assignment)),
                Touched {
                    tasks: Some(vec![index]),
                    links: false,
                    setup: false,
                },
            ))
        }
        Edit::UpdateAssignment {
            assignment,
            version,
            units,
            work_minutes,
        } => {
            let index = assignment_index_of(stored, *assignment, *version)?;
            let task = stored.plan.assignments[index].task.index();
            if let Some(units) = units {
                stored
                    .plan
                    .set_units(index, *units)
                    .map_err(|error| work_error("units", error))?;
            }
            if let Some(minutes) = work_minutes {
                stored
                    .plan
                    .set_assignment_work(index, *minutes)
                    .map_err(|error| work_error("work_minutes", error))?;
            }
            Ok(Applied::of(
                None,
                Touched {
                    tasks: Some(vec![task]),
                    links: false,
                    setup: false,
                },
            ))
        }
        Edit::Setup(setup_edit) => setup::apply(stored, setup_edit),
        Edit::Control(control_edit) => crate::control::apply(stored, control_edit),
        Edit::Unassign {
            assignment,
            version,
        } => {
            let index = assignment_index_of(stored, *assignment, *version)?;
            let task = stored.plan.assignments[index].task.index();
            stored
                .plan
                .unassign(index)
                .map_err(|error| work_error("assignment", error))?;
            stored.assignment_ids.remove(index);
            stored.assignment_versions.remove(index);
            Ok(Applied::of(
                None,
                Touched {
                    tasks: Some(vec![task]),
                    links: false,
                    setup: false,
                },
            ))
        }
    }
}

fn assignment_index_of(stored: &StoredPlan, id: i64, version: i64) -> Result<usize> {
    let index = stored.assignment_index(id).ok_or(StoreError::NotFound {
        entity: "assignment",
        id,
    })?;
    check_version("assignment", id, version, stored.assignment_versions[index])?;
    Ok(index)
}

/// A refused edit of work, duration or units, named by the field the client sent.
pub(crate) fn work_error(
    field: &'static str,
    error: gantry_core::work::WorkEditError,
) -> StoreError {
    StoreError::invalid(Some(field), error.to_string())
}

/// Refuses a task or resource key (`what`) that is not letters, digits, '_', '-' and '.'.
pub(crate) fn check_key(what: &str, key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::invalid(
            Some("key"),
            format!("{what} \"{key}\": use letters, digits, '_', '-' and '.'"),
        ))
    }
}

/// Refuses to put subtasks under task `parent` while it has resources assigned (a summary task
/// has none in MS Project's terms); `field` names the parent in the client's request.
fn check_may_have_subtasks(plan: &Plan, parent: usize, field: &'static str) -> Result<()> {
    if plan
        .assignments
        .iter()
        .any(|assignment| assignment.task.index() == parent)
    {
        return Err(StoreError::invalid(
            Some(field),
            format!(
                "\"{}\" has resources assigned: a summary task cannot; remove them first",
                plan.tasks[parent].key
            ),
        ));
    }
    Ok(())
}

/// The first `T<n>` no task of the plan uses.
fn free_key(plan: &Plan) -> String {
    let mut number = plan.tasks.len() + 1;
    loop {
        let key = format!("T{number}");
        if plan.tasks.iter().all(|task| task.key != key) {
            return key;
        }
        number += 1;
    }
}

/// The index just past the subtree of task `index` (tasks are in WBS order).
fn subtree_end(plan: &Plan, index: usize) -> usize {
    let mut end = index + 1;
    while end < plan.tasks.len() && is_ancestor(plan, index, end) {
        end += 1;
    }
    end
}

/// Whether task `ancestor` is a summary task above task `index`.
fn is_ancestor(plan: &Plan, ancestor: usize, index: usize) -> bool {
    let mut current = plan.tasks[index].parent;
    while let Some(parent) = current {
        if parent.index() == ancestor {
            return true;
        }
        current = plan.tasks[parent.index()].parent;
    }
    false
}

/// Inserts `task` at plan index `index`, renumbering the tasks after it everywhere.
fn insert_task(stored: &mut StoredPlan, index: usize, task: Task) {
    let shift = |id: TaskId| {
        if id.index() >= index {
            TaskId(id.0 + 1)
        } else {
            id
        }
    };
    let plan = &mut stored.plan;
    for existing in &mut plan.tasks {
        existing.parent = existing.parent.map(shift);
    }
    for link in &mut plan.links {
        link.predecessor = shift(link.predecessor);
        link.successor = shift(link.successor);
    }
    for assignment in &mut plan.assignments {
        assignment.task = shift(assignment.task);
    }
    plan.tasks.insert(index, task);
    stored.task_ids.insert(index, NEW_ROW);
    stored.task_versions.insert(index, 1);
    crate::control::renumber_tasks(stored, |id| Some(shift(id)));
}

/// Removes the tasks in `range` (a whole subtree) with their links and assignments,
/// renumbering the tasks after them.
fn remove_tasks(stored: &mut StoredPlan, range: std::ops::Range<usize>) {
    let removed = range.len() as u32;
    let gone = |id: TaskId| range.contains(&id.index());
    let shift = |id: TaskId| {
        if id.index() >= range.end {
            TaskId(id.0 - removed)
        } else {
            id
        }
    };
    let keep_links: Vec<bool> = stored
        .plan
        .links
        .iter()
        .map(|link| !gone(link.predecessor) && !gone(link.successor))
        .collect();
    retain_where(&mut stored.plan.links, &keep_links);
    retain_where(&mut stored.link_ids, &keep_links);
    retain_where(&mut stored.link_versions, &keep_links);
    let keep_assignments: Vec<bool> = stored
        .plan
        .assignments
        .iter()
        .map(|assignment| !gone(assignment.task))
        .collect();
    retain_where(&mut stored.plan.assignments, &keep_assignments);
    retain_where(&mut stored.assignment_ids, &keep_assignments);
    retain_where(&mut stored.assignment_versions, &keep_assignments);
    stored.plan.tasks.drain(range.clone());
    stored.task_ids.drain(range.clone());
    stored.task_versions.drain(range.clone());
    let plan = &mut stored.plan;
    for task in &mut plan.tasks {
        task.parent = task.parent.map(shift);
    }
    for link in &mut plan.links {
        link.predecessor = shift(link.predecessor);
        link.successor = shift(link.successor);
    }
    for assignment in &mut plan.assignments {
        assignment.task = shift(assignment.task);
    }
    crate::control::renumber_tasks(stored, |id| (!gone(id)).then(|| shift(id)));
}

/// Moves task `index` and its subtree under `parent` (plan indexes, before the move), before
/// the parent's child number `position` (last when `None`), keeping WBS order and renumbering
/// every reference.
fn move_task(
    stored: &mut StoredPlan,
    index: usize,
    parent: Option<usize>,
    position: Option<usize>,
) -> Result<()> {
    let plan = &stored.plan;
    let end = subtree_end(plan, index);
    let key = plan.tasks[index].key.clone();
    if let Some(parent) = parent {
        if (index..end).contains(&parent) {
            return Err(StoreError::invalid(
                Some("parent_id"),
                format!(
                    "\"{key}\" cannot move under \"{}\", which is inside it",
                    plan.tasks[parent].key
                ),
            ));
        }
        check_may_have_subtasks(plan, parent, "parent_id")?;
    }
    // The tasks outside the subtree keep their order; the subtree goes before the new parent's
    // child number `position`, or after the parent's last descendant.
    let rest: Vec<usize> = (0..plan.tasks.len())
        .filter(|task| !(index..end).contains(task))
        .collect();
    let siblings: Vec<usize> = rest
        .iter()
        .copied()
        .filter(|&task| plan.tasks[task].parent.map(TaskId::index) == parent)
        .collect();
    let insert_before = match position.and_then(|position| siblings.get(position)) {
        Some(&sibling) => sibling,
        None => match parent {
            // After the parent's whole subtree (the moved tasks are not in it any more).
            Some(parent) => rest
                .iter()
                .copied()
                .find(|&task| task > parent && !is_ancestor(plan, parent, task))
                .unwrap_or(plan.tasks.len()),
            None => plan.tasks.len(),
        },
    };
    let mut order: Vec<usize> = Vec::with_capacity(plan.tasks.len());
    for &task in &rest {
        if task == insert_before {
            order.extend(index..end);
        }
        order.push(task);
    }
    if order.len() < plan.tasks.len() {
        order.extend(index..end);
    }
    let mut new_index = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let renumber = |id: TaskId| TaskId(new_index[id.index()]);
    let mut tasks: Vec<Task> = order
        .iter()
        .map(|&old| stored.plan.tasks[old].clone())
        .collect();
    for task in &mut tasks {
        task.parent = task.parent.map(renumber);
    }
    tasks[new_index[index] as usize].parent = parent.map(|parent| TaskId(new_index[parent]));
    stored.task_ids = order.iter().map(|&old| stored.task_ids[old]).collect();
    stored.task_versions = order.iter().map(|&old| stored.task_versions[old]).collect();
    stored.plan.tasks = tasks;
    for link in &mut stored.plan.links {
        link.predecessor = renumber(link.predecessor);
        link.successor = renumber(link.successor);
    }
    for assignment in &mut stored.plan.assignments {
        assignment.task = renumber(assignment.task);
    }
    crate::control::renumber_tasks(stored, |id| Some(renumber(id)));
    // A link between a task and a summary task above it means nothing in MS Project's terms.
    let plan = &stored.plan;
    if let Some(link) = plan.links.iter().find(|link| {
        is_ancestor(plan, link.predecessor.index(), link.successor.index())
            || is_ancestor(plan, link.successor.index(), link.predecessor.index())
    }) {
        return Err(StoreError::invalid(
            Some("parent_id"),
            format!(
                "\"{}\" and \"{}\" are linked: after this move one would be the summary task of the other",
                plan.tasks[link.predecessor.index()].key,
                plan.tasks[link.successor.index()].key
            ),
        ));
    }
    Ok(())
}

/// Keeps the items whose flag in `keep` (index for index) is set.
fn retain_where<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut index = 0;
    items.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

/// Applies a task's field changes, checking each value.
fn apply_task_changes(plan: &mut Plan, index: usize, changes: &TaskChanges) -> Result<()> {
    let id = TaskId(index as u32);
    let is_summary = plan.tasks.iter().any(|task| task.parent == Some(id));
    if let Some(name) = &changes.name {
        if name.trim().is_empty() {
            return Err(StoreError::invalid(Some("name"), "a task needs a name"));
        }
        plan.tasks[index].name = name.clone();
    }
    if let Some(task_type) = changes.task_type {
        plan.set_task_type(id, task_type)
            .map_err(|error| StoreError::invalid(Some("task_type"), error.to_string()))?;
    }
    if let Some(effort_driven) = changes.effort_driven {
        plan.tasks[index].effort_driven = effort_driven;
    }
    if let Some(duration) = changes.duration {
        if is_summary {
            return Err(StoreError::invalid(
                Some("duration"),
                format!(
                    "\"{}\" is a summary task: its dates roll up from its subtasks",
                    plan.tasks[index].key
                ),
            ));
        }
        if duration.elapsed {
            if duration.minutes < 0 {
                return Err(StoreError::invalid(
                    Some("duration"),
                    "a duration cannot be negative",
                ));
            }
            plan.tasks[index].duration = duration;
        } else {
            plan.tasks[index].duration.elapsed = false;
            plan.set_duration(id, duration.minutes)
                .map_err(|error| StoreError::invalid(Some("duration"), error.to_string()))?;
        }
    }
    if let Some(milestone) = changes.milestone {
        plan.tasks[index].milestone = milestone;
    }
    if let Some(constraint) = changes.constraint {
        plan.tasks[index].constraint = constraint;
    }
    if let Some(deadline) = changes.deadline {
        plan.tasks[index].deadline = deadline;
    }
    if let Some(priority) = changes.priority {
        if priority > 1000 {
            return Err(StoreError::invalid(
                Some("priority"),
                format!("priority must be from 0 to 1000 (500 is normal), got {priority}"),
            ));
        }
        plan.tasks[index].priority = priority;
    }
    let progress = &mut plan.tasks[index].progress;
    if let Some(percent) = changes.percent_complete {
        if !(0.0..=100.0).contains(&percent) {
            return Err(StoreError::invalid(
                Some("percent_complete"),
                format!("percent complete must be from 0 to 100, got {percent}"),
            ));
        }
        progress.percent_complete = percent;
    }
    if let Some(actual_start) = changes.actual_start {
        progress.actual_start = actual_start;
    }
    if let Some(actual_finish) = changes.actual_finish {
        progress.actual_finish = actual_finish;
    }
    if let (Some(start), Some(finish)) = (progress.actual_start, progress.actual_finish)
        && finish < start
    {
        return Err(StoreError::invalid(
            Some("actual_finish"),
            "the actual finish is before the actual start",
        ));
    }
    if let Some(remaining) = changes.remaining {
        if remaining.is_some_and(|remaining| remaining.minutes < 0) {
            return Err(StoreError::invalid(
                Some("remaining"),
                "a remaining duration cannot be negative",
            ));
        }
        progress.remaining = remaining;
    }
    if let Some(can_split) = changes.leveling_can_split {
        plan.tasks[index].leveling_can_split = can_split;
    }
    if let Some(splits) = &changes.splits {
        let task = &plan.tasks[index];
        let mut sorted = splits.clone();
        sorted.sort_unstable();
        if !sorted.is_empty() && (is_summary || task.duration.elapsed || task.is_milestone()) {
            return Err(StoreError::invalid(
                Some("splits"),
                format!(
                    "\"{}\" cannot be split: only a task of working duration without subtasks can be",
                    task.key
                ),
            ));
        }
        for window in sorted.windows(2) {
            if window[0].0 == window[1].0 {
                return Err(StoreError::invalid(
                    Some("splits"),
                    format!("two pauses after {} minutes of work", window[0].0),
                ));
            }
        }
        for &(after, gap) in &sorted {
            if after <= 0 || after >= task.duration.minutes || gap <= 0 {
                return Err(StoreError::invalid(
                    Some("splits"),
                    format!(
                        "a pause after {after} minutes of work lasting {gap} minutes does not fit \"{}\": it needs work before and after it (the duration is {} minutes) and a length above zero",
                        task.key, task.duration.minutes
                    ),
                ));
            }
        }
        plan.splits.retain(|split| split.task != id);
        plan.splits.extend(
            sorted
                .into_iter()
                .map(|(after, gap)| gantry_core::model::Split {
                    task: id,
                    after,
                    gap,
                }),
        );
    }
    Ok(())
}

/// Checks what the engine takes for granted, and what the tables hold unique.
pub(crate) fn validate(plan: &Plan) -> Result<()> {
    plan.validate_structure()
        .map_err(|error| StoreError::invalid(None, error.to_string()))?;
    gantry_core::cost::validate(plan)
        .map_err(|error| StoreError::invalid(None, error.to_string()))?;
    let mut pairs: Vec<(u32, u32)> = plan
        .links
        .iter()
        .map(|link| (link.predecessor.0, link.successor.0))
        .collect();
    pairs.sort_unstable();
    if let Some(pair) = pairs.windows(2).find(|pair| pair[0] == pair[1]) {
        let (predecessor, successor) = pair[0];
        let key = |task: u32| plan.tasks[task as usize].key.clone();
        return Err(StoreError::Invalid {
            field: Some("links"),
            message: format!(
                "\"{}\" is linked to \"{}\" twice: a task names each predecessor once",
                key(predecessor),
                key(successor)
            ),
            tasks: vec![key(predecessor), key(successor)],
        });
    }
    for (what, mut keys) in [
        (
            "task key",
            plan.tasks
                .iter()
                .map(|task| task.key.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "resource key",
            plan.resources
                .iter()
                .map(|resource| resource.key.as_str())
                .collect(),
        ),
    ] {
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(StoreError::Duplicate {
                what,
                value: pair[0].to_string(),
            });
        }
    }
    let mut assigned: Vec<(u32, u32)> = plan
        .assignments
        .iter()
        .map(|assignment| (assignment.task.0, assignment.resource.0))
        .collect();
    assigned.sort_unstable();
    if let Some(pair) = assigned.windows(2).find(|pair| pair[0] == pair[1]) {
        let (task, resource) = pair[0];
        return Err(StoreError::invalid(
            Some("assignments"),
            format!(
                "\"{}\" is assigned to \"{}\" twice",
                plan.resources[resource as usize].key, plan.tasks[task as usize].key
            ),
        ));
    }
    Ok(())
}

/// A schedule that failed, as an error naming the tasks (a loop in loop order).
pub(crate) fn schedule_error(
    plan: &Plan,
    failure: gantry_core::cpm::ScheduleFailure,
) -> StoreError {
    let message = failure
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.message.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let tasks = failure
        .diagnostics
        .iter()
        .flat_map(|diagnostic| diagnostic.tasks.iter())
        .map(|task| plan.tasks[task.index()].key.clone())
        .collect();
    StoreError::Invalid {
        field: None,
        message,
        tasks,
    }
}

/// The history's list of a row's fields that differ, `old` or `new` absent for a created or
/// deleted row.
pub(crate) fn field_changes(old: Option<&Columns>, new: Option<&Columns>) -> Vec<FieldChange> {
    let names: Vec<&'static str> = old
        .or(new)
        .map(|columns| columns.iter().map(|(name, _)| *name).collect())
        .unwrap_or_default();
    names
        .into_iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let before = old.map(|columns| &columns[index].1);
            let after = new.map(|columns| &columns[index].1);
            if before == after {
                return None;
            }
            Some(FieldChange {
                field: name.to_string(),
                old: before.map(ToString::to_string),
                new: after.map(ToString::to_string),
            })
        })
        .collect()
}

/// Writes what differs between `before` and `after`: deleted rows, new rows (their ids filled
/// into `after`), changed rows (version-checked; a row that only moved among its siblings keeps
/// its version). Returns the history records and the id of the created row.
async fn persist(
    connection: &mut AnyConnection,
    before: &StoredPlan,
    after: &mut StoredPlan,
    created: Option<Created>,
    touched: Touched,
) -> Result<(Vec<Record>, Option<i64>)> {
    let project_id = before.project_id;
    let fixed = [("project_id", project_id)];
    let mut records = Vec::new();

    // Deleted rows: assignments and links first, then tasks, children before parents.
    delete_rows(connection, &ASSIGNMENTS, before, after, &mut records).await?;
    // The project row, calendars and resources, which new tasks and assignments may use.
    if touched.setup {
        setup::persist(connection, before, after, &mut records).await?;
    }
    delete_rows(connection, &LINKS, before, after, &mut records).await?;
    let kept_tasks: std::collections::HashSet<i64> = after.task_ids.iter().copied().collect();
    let before_positions = sibling_positions(&before.plan);
    for (index, &id) in before.task_ids.iter().enumerate().rev() {
        if !kept_tasks.contains(&id) {
            delete_row(connection, "tasks", id).await?;
            records.push(Record {
                entity: "task",
                entity_id: id,
                action: "delete",
                label: before.plan.tasks[index].key.clone(),
                changes: field_changes(Some(&task_columns(before, index, &before_positions)), None),
            });
        }
    }

    // New tasks, in WBS order so that a parent has its id before its children.
    let after_positions = sibling_positions(&after.plan);
    for index in 0..after.task_ids.len() {
        if after.task_ids[index] == NEW_ROW {
            let columns = task_columns(after, index, &after_positions);
            let id = insert_row(connection, "tasks", &fixed, &columns)
                .await
                .map_err(|error| duplicate_key(error, &after.plan.tasks[index].key))?;
            after.task_ids[index] = id;
            records.push(Record {
                entity: "task",
                entity_id: id,
                action: "create",
                label: after.plan.tasks[index].key.clone(),
                changes: field_changes(None, Some(&columns)),
            });
        }
    }

    // Changed tasks: those the edit may have touched.
    let candidates: Vec<usize> = match &touched.tasks {
        Some(indexes) => indexes.clone(),
        None => (0..after.task_ids.len()).collect(),
    };
    let before_index: HashMap<i64, usize> = if touched.tasks.is_some() {
        candidates
            .iter()
            .filter_map(|&index| {
                let id = after.task_ids[index];
                before.task_index(id).map(|old| (id, old))
            })
            .collect()
    } else {
        before
            .task_ids
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index))
            .collect()
    };
    for index in candidates {
        let id = after.task_ids[index];
        let Some(&old_index) = before_index.get(&id) else {
            continue;
        };
        let old = task_columns(before, old_index, &before_positions);
        let new = task_columns(after, index, &after_positions);
        let changed = changed_columns(&old, &new);
        if changed.is_empty() {
            continue;
        }
        if changed.iter().all(|(name, _)| *name == "position") {
            sqlx::query("UPDATE tasks SET position = $1 WHERE id = $2")
                .bind(after_positions[index])
                .bind(id)
                .execute(&mut *connection)
                .await?;
            continue;
        }
        let version = before.task_versions[old_index];
        update_row(connection, "task", "tasks", id, version, &changed)
            .await
            .map_err(|error| duplicate_key(error, &after.plan.tasks[index].key))?;
        after.task_versions[index] = version + 1;
        records.push(Record {
            entity: "task",
            entity_id: id,
            action: "update",
            label: after.plan.tasks[index].key.clone(),
            changes: field_changes(Some(&old), Some(&new)),
        });
    }

    // Links and assignments: new ones, then changed ones.
    persist_rows(
        connection,
        &LINKS,
        &fixed,
        before,
        after,
        touched.links,
        &mut records,
    )
    .await?;
    persist_rows(
        connection,
        &ASSIGNMENTS,
        &fixed,
        before,
        after,
        true,
        &mut records,
    )
    .await?;
    // Baselines, costs and tracking, which name the tasks and resources by their row ids.
    crate::control::persist(connection, before, after, &mut records).await?;

    let created = created.map(|created| match created {
        Created::Task(index) => after.task_ids[index],
        Created::Link(index) => after.link_ids[index],
        Created::Assignment(index) => after.assignment_ids[index],
        Created::Calendar(index) => after.calendar_ids[index],
        Created::Exception(calendar, position) => after.exception_ids[calendar][position],
        Created::Resource(index) => after.resource_ids[index],
        Created::TimeEntry(index) => after.control.time_entry_ids[index],
        Created::Expense(index) => after.control.expense_ids[index],
    });
    Ok((records, created))
}

/// A kind of plan row that [`persist_rows`] writes: where its ids, versions and columns are.
pub(crate) struct RowKind {
    entity: &'static str,
    table: &'static str,
    ids: fn(&StoredPlan) -> &[i64],
    versions: fn(&StoredPlan) -> &[i64],
    ids_and_versions: fn(&mut StoredPlan) -> (&mut Vec<i64>, &mut Vec<i64>),
    columns: fn(&StoredPlan, usize) -> Columns,
    label: fn(&StoredPlan, usize) -> String,
}

const LINKS: RowKind = RowKind {
    entity: "link",
    table: "links",
    ids: |stored| &stored.link_ids,
    versions: |stored| &stored.link_versions,
    ids_and_versions: |stored| (&mut stored.link_ids, &mut stored.link_versions),
    columns: link_columns,
    label: link_label,
};

pub(crate) const CALENDARS: RowKind = RowKind {
    entity: "calendar",
    table: "calendars",
    ids: |stored| &stored.calendar_ids,
    versions: |stored| &stored.calendar_versions,
    ids_and_versions: |stored| (&mut stored.calendar_ids, &mut stored.calendar_versions),
    columns: calendar_columns,
    label: |stored, index| stored.plan.calendars[index].name.clone(),
};

pub(crate) const RESOURCES: RowKind = RowKind {
    entity: "resource",
    table: "resources",
    ids: |stored| &stored.resource_ids,
    versions: |stored| &stored.resource_versions,
    ids_and_versions: |stored| (&mut stored.resource_ids, &mut stored.resource_versions),
    columns: resource_columns,
    label: |stored, index| stored.plan.resources[index].key.clone(),
};

const ASSIGNMENTS: RowKind = RowKind {
    entity: "assignment",
    table: "assignments",
    ids: |stored| &stored.assignment_ids,
    versions: |stored| &stored.assignment_versions,
    ids_and_versions: |stored| (&mut stored.assignment_ids, &mut stored.assignment_versions),
    columns: assignment_columns,
    label: assignment_label,
};

/// Deletes the rows of one kind that `before` has and `after` no longer has.
pub(crate) async fn delete_rows(
    connection: &mut AnyConnection,
    kind: &RowKind,
    before: &StoredPlan,
    after: &StoredPlan,
    records: &mut Vec<Record>,
) -> Result<()> {
    let kept: std::collections::HashSet<i64> = (kind.ids)(after).iter().copied().collect();
    for (index, &id) in (kind.ids)(before).iter().enumerate() {
        if !kept.contains(&id) {
            delete_row(connection, kind.table, id).await?;
            records.push(Record {
                entity: kind.entity,
                entity_id: id,
                action: "delete",
                label: (kind.label)(before, index),
                changes: field_changes(Some(&(kind.columns)(before, index)), None),
            });
        }
    }
    Ok(())
}

/// Inserts the new rows of one kind (filling their ids into `after`) and, when
/// `compare_existing`, updates the existing ones whose columns changed, each checked against
/// the version it was read at.
pub(crate) async fn persist_rows(
    connection: &mut AnyConnection,
    kind: &RowKind,
    fixed: &[(&'static str, i64)],
    before: &StoredPlan,
    after: &mut StoredPlan,
    compare_existing: bool,
    records: &mut Vec<Record>,
) -> Result<()> {
    let before_index: HashMap<i64, usize> = (kind.ids)(before)
        .iter()
        .enumerate()
        .map(|(index, &id)| (id, index))
        .collect();
    for index in 0..(kind.ids)(after).len() {
        let id = (kind.ids)(after)[index];
        if id != NEW_ROW && !compare_existing {
            continue;
        }
        let new = (kind.columns)(after, index);
        if id == NEW_ROW {
            let id = insert_row(connection, kind.table, fixed, &new).await?;
            (kind.ids_and_versions)(after).0[index] = id;
            records.push(Record {
                entity: kind.entity,
                entity_id: id,
                action: "create",
                label: (kind.label)(after, index),
                changes: field_changes(None, Some(&new)),
            });
            continue;
        }
        let Some(&old_index) = before_index.get(&id) else {
            continue;
        };
        let old = (kind.columns)(before, old_index);
        if old == new {
            continue;
        }
        let changed = changed_columns(&old, &new);
        let version = (kind.versions)(before)[old_index];
        update_row(connection, kind.entity, kind.table, id, version, &changed).await?;
        (kind.ids_and_versions)(after).1[index] = version + 1;
        records.push(Record {
            entity: kind.entity,
            entity_id: id,
            action: "update",
            label: (kind.label)(after, index),
            changes: field_changes(Some(&old), Some(&new)),
        });
    }
    Ok(())
}

pub(crate) async fn delete_row(connection: &mut AnyConnection, table: &str, id: i64) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1")))
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

fn duplicate_key(error: StoreError, key: &str) -> StoreError {
    match error {
        StoreError::Database(database) if is_unique_violation(&database) => StoreError::Duplicate {
            what: "task key",
            value: key.to_string(),
        },
        other => other,
    }
}

fn link_label(stored: &StoredPlan, index: usize) -> String {
    let link = &stored.plan.links[index];
    format!(
        "{} → {} {}",
        stored.plan.tasks[link.predecessor.index()].key,
        stored.plan.tasks[link.successor.index()].key,
        link.kind.code()
    )
}

fn assignment_label(stored: &StoredPlan, index: usize) -> String {
    let assignment = &stored.plan.assignments[index];
    format!(
        "{} on {}",
        stored.plan.resources[assignment.resource.index()].key,
        stored.plan.tasks[assignment.task.index()].key
    )
}
