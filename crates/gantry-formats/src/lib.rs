//! Gantry's files in and out.
//!
//! Reads and writes the formats people keep plans in; every parse error names the file, the line
//! and the column and says what was expected. Today that is the hand-written TOML plan file
//! ([`plan_file`]: [`parse_plan`], [`load_plan`], [`write_plan`]), MS Project XML ([`mspdi`]),
//! PSPLIB instances and solution tables ([`psplib`]) and the text forms of durations,
//! lags and dates that command-line flags and other formats share with it.
//!
//! This crate knows text formats; it schedules nothing (that is `gantry-core`) and does no network
//! IO. Its only file IO is the `load_*` functions reading the file they are given.

pub mod mspdi;
pub mod plan_file;
pub mod psplib;

pub use plan_file::{
    PlanFile, PlanFileError, PlanFileErrors, Position, SourceMap, format_duration, format_lag,
    load_plan, parse_datetime, parse_duration, parse_finish_datetime, parse_lag, parse_plan,
    write_plan, write_plan_file,
};
pub use psplib::{
    PsplibError, ReferenceMakespan, instance_numbers, load_sm, load_solutions, parse_sm,
    parse_solutions,
};
