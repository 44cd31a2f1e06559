//! Gantry's domain model and scheduling engine.
//!
//! This crate holds the plan ([`model`]), working-time calendars ([`calendar`]), the critical
//! path method ([`cpm`]), the resource-constrained scheduling core that leveling builds on
//! ([`rcpsp`]), leveling ([`level`]) and split tasks ([`split`]), project control: costs and tracking ([`cost`]), baselines ([`baseline`]) and
//! earned value ([`evm`]), and the Monte Carlo schedule and cost risk simulation ([`risk`]). It is
//! pure: no file or network IO, no async, no SQL, no JSON, no HTML.
//! Everything is plain data in `Vec`s indexed by small ids, and every computation is a
//! deterministic function of its inputs, so the server, the CLI and the tests share one engine.

pub mod baseline;
pub mod calendar;
pub mod cost;
pub mod cpm;
pub mod evm;
pub mod generate;
pub mod level;
pub mod model;
pub mod portfolio;
pub mod rcpsp;
pub mod risk;
pub mod split;
pub mod time;
pub mod usage;
pub mod work;

pub use calendar::{CalendarError, WorkingCalendar};
pub use model::*;
pub use time::Instant;
