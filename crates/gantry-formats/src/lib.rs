//! Gantry's files in and out.
//!
//! Reads and writes the formats people keep plans in; every parse error names the file, the line
//! and the column and says what was expected. This crate knows text formats; it schedules nothing
//! (that is `gantry-core`) and does no network IO.
