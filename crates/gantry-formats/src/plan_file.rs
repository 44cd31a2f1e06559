//! Plan files: a project written by hand in TOML, read into a [`Plan`] and written back.
//!
//! [`parse_plan`] reads the text in two steps. First the toml crate turns it into the structures
//! of the private `raw` module, which keep the position of every value and refuse unknown keys;
//! a TOML syntax error or a misspelt key stops there with one error. Then the `build` module
//! gives the values their meaning (durations, links, dates, calendars, the WBS tree) and collects
//! every problem it finds, each with its own line and column, before giving up.
//!
//! [`write_plan`] writes a [`Plan`] back in the same format, so that plans from other sources
//! (MS Project files) can become plan files. The format is described for users in
//! `docs/plan-format.md`.
//!
//! This module checks what a file says; it does not schedule. Problems only the schedule can
//! reveal (a dependency loop, a calendar with no working time, overlapping shifts) are the
//! engine's to report, by task and link, and [`SourceMap`] tells where those are in the file.

mod build;
mod raw;
mod values;
mod write;

use std::fmt;
use std::ops::Range;

use gantry_core::model::Plan;
use gantry_core::risk::RiskModel;

pub use values::{
    format_duration, format_lag, parse_datetime, parse_duration, parse_finish_datetime, parse_lag,
};
pub use write::{write_plan, write_plan_file};

/// A plan read from a file, with where each of its tasks and links is written.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    /// The plan.
    pub plan: Plan,
    /// Positions in the file, to point at tasks and links in later messages.
    pub source: SourceMap,
    /// Three-point estimates, risk events and correlation groups (`estimate` on tasks,
    /// `[[risk]]`, `[[correlation]]`), for the Monte Carlo simulation. Kept beside the plan, not
    /// in it: scheduling does not use them. [`write_plan_file`] writes them back.
    pub risk: RiskModel,
}

/// Where the tasks and links of a plan are written in its file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// The file name shown in messages.
    pub file: String,
    /// Indexed by `TaskId`: the start of the task's `[[task]]` header.
    pub tasks: Vec<Position>,
    /// Indexed by `LinkId`: the start of the string in `after` that makes the link.
    pub links: Vec<Position>,
}

/// A place in a text file: 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

/// One problem in a plan file, at a line and column (both 0 when the file could not be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFileError {
    /// The file name as given to the parser.
    pub file: String,
    /// Line, from 1; 0 when the problem is not at a place in the text.
    pub line: u32,
    /// Column, from 1; 0 when the problem is not at a place in the text.
    pub column: u32,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for PlanFileError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(formatter, "{}: {}", self.file, self.message)
        } else {
            write!(
                formatter,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for PlanFileError {}

/// Every problem found in a plan file (never empty), in the order they appear in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFileErrors(pub Vec<PlanFileError>);

impl fmt::Display for PlanFileErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            write!(formatter, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanFileErrors {}

/// Parses plan text; `file` is the name shown in errors.
///
/// On success every task and link of the plan has its position in [`PlanFile::source`]; on
/// failure every problem found is returned, sorted by position.
pub fn parse_plan(file: &str, source: &str) -> Result<PlanFile, PlanFileErrors> {
    let lines = LineIndex::new(source);
    match toml::from_str::<raw::RawPlan>(source) {
        Ok(raw) => build::build(file, &lines, &raw),
        Err(error) => Err(PlanFileErrors(vec![toml_error(
            file, source, &lines, &error,
        )])),
    }
}

/// Reads and parses a plan file. A file that cannot be read gives one error at line 0.
pub fn load_plan(path: &std::path::Path) -> Result<PlanFile, PlanFileErrors> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(source) => parse_plan(&file, &source),
        Err(error) => Err(PlanFileErrors(vec![PlanFileError {
            file,
            line: 0,
            column: 0,
            message: format!("cannot read the plan file: {error}"),
        }])),
    }
}

/// Turns an error of the toml crate (syntax, a misspelt key, a value of the wrong type) into ours.
fn toml_error(
    file: &str,
    source: &str,
    lines: &LineIndex,
    error: &toml::de::Error,
) -> PlanFileError {
    let span = error.span().unwrap_or(0..0);
    let mut message = error.message().trim().replace('\n', "; ");
    // The toml crate checks dates itself; say it the way we say it for quoted dates.
    if message.starts_with("invalid date")
        && let Some(text) = source.get(span.clone())
        && let Err(ours) = values::parse_date(text.get(..10).unwrap_or(text))
    {
        message = ours;
    }
    match message.as_str() {
        "missing field `project`" => {
            message =
                "the file has no [project] table; it needs at least `name` and `start`".to_string();
        }
        "missing field `id`" => message = "this task has no `id`; every task needs one".to_string(),
        _ => {}
    }
    let position = lines.position(span.start);
    PlanFileError {
        file: file.to_string(),
        line: position.line,
        column: position.column,
        message,
    }
}

/// Finds the line and column of byte offsets in a text.
pub(crate) struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(source: &'s str) -> LineIndex<'s> {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(offset, _)| offset + 1));
        LineIndex {
            source,
            line_starts,
        }
    }

    /// The position of byte `offset` (clamped to the text).
    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.source.len());
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts[line];
        let column = self
            .source
            .get(line_start..offset)
            .map_or(offset - line_start, |text| text.chars().count());
        Position {
            line: to_u32(line + 1),
            column: to_u32(column + 1),
        }
    }

    /// Where `key` is written before its value at byte `value_start` (or `value_start` when the
    /// key cannot be found there), for keys whose own position the toml crate does not give.
    pub(crate) fn key_before(&self, value_start: usize, key: &str) -> usize {
        self.source
            .get(..value_start)
            .and_then(|before| before.rfind(key))
            .unwrap_or(value_start)
    }

    /// The position of the start of `span`.
    pub(crate) fn start_of(&self, span: &Range<usize>) -> Position {
        self.position(span.start)
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
