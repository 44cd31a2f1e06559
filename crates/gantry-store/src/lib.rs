//! Gantry's persistence: one [`Store`] API over two databases, an embedded SQLite file (the
//! default, nothing to install) and PostgreSQL (for teams, and for several `gantry serve`
//! processes behind a load balancer).
//!
//! The store holds users, sessions, API tokens, projects, memberships with roles, each project's
//! plan (tasks in their WBS tree, links, calendars and exceptions, resources and availability,
//! assignments, progress), change requests with their impact and decision, comments and a
//! history of every change. It is the only crate that knows SQL. It is not the HTTP layer: it
//! neither hashes passwords nor checks roles; it stores what the server decided.
//!
//! Invariants:
//! - Every change to a plan goes through [`Store::edit`] (or [`Store::edit_all`], several edits
//!   as one, as an approved change request applies them): one transaction that locks the project,
//!   applies the edit to the plan in memory, schedules it with `gantry-core` (a dependency loop
//!   is refused with the tasks named, and nothing is stored), writes the rows that changed and
//!   records who changed what.
//! - Every editable row carries a version; an edit made on an older version is refused as a
//!   conflict, never silently applied over someone else's change.
//! - Migrations are append-only, one folder per backend (`migrations/sqlite`,
//!   `migrations/postgres`); the same SQL statements run on both.

mod accounts;
mod board;
mod changes;
mod comments;
mod control;
mod error;
mod history;
mod plan_rows;
mod projects;
mod reports;
mod risks;
mod setup;
mod store;

pub use accounts::{ApiToken, NewUser, Session, User};
pub use board::{Board, BoardColumn, BoardColumnError, MAX_BOARD_COLUMNS, check_board_columns};
pub use changes::{
    ChangeItem, ChangeRequest, ChangeStatus, Impact, MAX_CHANGE_ITEMS, MovedTask, NewChange,
    TaskRef, change_edits, impact, plan_cost,
};
pub use comments::Comment;
pub use control::{ControlEdit, ControlRows};
pub use error::{Result, StoreError};
pub use history::{FieldChange, HistoryEntry};
pub use plan_rows::{StoredPlan, TaskChanges};
pub use projects::{Edit, EditOutcome, Member, ProjectSummary, Role};
pub use reports::SentReport;
pub use risks::{
    RiskFields, RiskRegister, RiskStatus, RiskStrategy, StoredCorrelation, StoredEstimate,
    StoredRisk, risk_model,
};
pub use setup::{CalendarChanges, ProjectChanges, ResourceChanges, SetupEdit};
pub use store::{Backend, Store};
