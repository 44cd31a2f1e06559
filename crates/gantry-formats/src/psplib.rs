//! PSPLIB files: single-mode RCPSP instances (`.sm`) and the tables of optimal or best known
//! makespans that come with them (`j30opt.sm`, `j60hrs.sm`, `j120hrs.sm`).
//!
//! An instance file is fixed-layout text in sections (project summary, precedence relations,
//! requests and durations, resource availabilities); [`parse_sm`] reads the sections in order and
//! gives a [`gantry_core::rcpsp::Instance`] whose job `i` is PSPLIB job `i + 1`. A solution table
//! has one row per instance whose first three integers are the parameter, the instance number
//! and the makespan; every other row is a header ([`parse_solutions`]).
//!
//! Every error names the file and the line (0 when the problem is not at one line) and says what
//! was expected. The format is described in `../shared/data/psplib/README.md`.

use std::fmt;
use std::path::Path;

use gantry_core::rcpsp::{Instance, InstanceError};

/// A problem in a PSPLIB file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsplibError {
    /// The file name as given to the parser.
    pub file: String,
    /// Line, from 1; 0 when the problem is not at one line.
    pub line: u32,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for PsplibError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(formatter, "{}: {}", self.file, self.message)
        } else {
            write!(formatter, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for PsplibError {}

/// One row of a solution table: the makespan of instance `j<set><parameter>_<instance>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferenceMakespan {
    /// The parameter set number (`P` in `j30<P>_<I>.sm`).
    pub parameter: u32,
    /// The instance number within the parameter set (`I`).
    pub instance: u32,
    /// The optimal or best known makespan.
    pub makespan: u32,
}

/// Reads the lines of a text and tracks where the reader is, for messages.
struct Reader<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    /// Index of the next line to read.
    next: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, line_index: usize, message: impl Into<String>) -> PsplibError {
        PsplibError {
            file: self.file.to_string(),
            line: line_index as u32 + 1,
            message: message.into(),
        }
    }

    /// An error at the end of the file, for a section or row that never came.
    fn missing(&self, what: &str) -> PsplibError {
        PsplibError {
            file: self.file.to_string(),
            line: self.lines.len() as u32,
            message: format!("expected {what} before the end of the file"),
        }
    }

    /// Moves past the first line, from the current one on, that contains `marker`; returns its
    /// index.
    fn find(&mut self, marker: &str, what: &str) -> Result<usize, PsplibError> {
        while self.next < self.lines.len() {
            let index = self.next;
            self.next += 1;
            if self.lines[index].contains(marker) {
                return Ok(index);
            }
        }
        Err(self.missing(what))
    }

    /// The integer after the colon of a `name : value` line.
    fn value_after_colon(&self, index: usize, what: &str) -> Result<u32, PsplibError> {
        let line = self.lines[index];
        line.split_once(':')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|token| token.parse().ok())
            .ok_or_else(|| {
                self.error(
                    index,
                    format!("expected {what} as a whole number after ':', found {line:?}"),
                )
            })
    }

    /// Skips headers and rulers (lines whose first token is not a number) up to the next row of
    /// numbers; returns its index and its numbers. A line of `*` ends a section.
    fn row(&mut self, what: &str) -> Result<(usize, Vec<u32>), PsplibError> {
        while self.next < self.lines.len() {
            let index = self.next;
            self.next += 1;
            let line = self.lines[index].trim();
            if line.starts_with('*') {
                return Err(self.error(
                    index,
                    format!("expected {what}, found the end of the section"),
                ));
            }
            let Some(first) = line.split_whitespace().next() else {
                continue;
            };
            if first.parse::<u32>().is_err() {
                continue;
            }
            let numbers: Result<Vec<u32>, _> =
                line.split_whitespace().map(str::parse::<u32>).collect();
            return match numbers {
                Ok(numbers) => Ok((index, numbers)),
                Err(_) => Err(self.error(
                    index,
                    format!("expected {what} as whole numbers, found {line:?}"),
                )),
            };
        }
        Err(self.missing(what))
    }
}

/// Parses a single-mode PSPLIB instance; `file` is the name shown in errors.
pub fn parse_sm(file: &str, source: &str) -> Result<Instance, PsplibError> {
    let mut reader = Reader {
        file,
        lines: source.lines().collect(),
        next: 0,
    };
    let jobs_line = reader.find(
        "jobs (incl. supersource/sink",
        "the line 'jobs (incl. supersource/sink ): N'",
    )?;
    let job_count = reader.value_after_colon(jobs_line, "the number of jobs")? as usize;
    if job_count == 0 {
        return Err(reader.error(jobs_line, "expected at least one job"));
    }
    let renewable_line = reader.find("- renewable", "the line '- renewable : N R'")?;
    let resource_count =
        reader.value_after_colon(renewable_line, "the number of renewable resources")? as usize;
    for (marker, kind) in [
        ("- nonrenewable", "nonrenewable"),
        ("- doubly constrained", "doubly constrained"),
    ] {
        let line = reader.find(marker, &format!("the line '{marker} : N'"))?;
        if reader.value_after_colon(line, &format!("the number of {kind} resources"))? != 0 {
            return Err(reader.error(
                line,
                format!("expected no {kind} resources (only renewable ones are supported)"),
            ));
        }
    }

    reader.find(
        "PRECEDENCE RELATIONS",
        "the section 'PRECEDENCE RELATIONS:'",
    )?;
    let mut successors: Vec<Vec<usize>> = Vec::with_capacity(job_count);
    let mut precedence_lines = Vec::with_capacity(job_count);
    for job in 1..=job_count {
        let what =
            format!("the precedence row of job {job} (job, modes, successor count, successors)");
        let (index, numbers) = reader.row(&what)?;
        if numbers.len() < 3 || numbers[0] as usize != job {
            return Err(reader.error(index, format!("expected {what}")));
        }
        if numbers[1] != 1 {
            return Err(reader.error(
                index,
                format!(
                    "expected 1 mode for job {job} (a single-mode file), found {}",
                    numbers[1]
                ),
            ));
        }
        let listed = &numbers[3..];
        if listed.len() != numbers[2] as usize {
            return Err(reader.error(
                index,
                format!(
                    "expected {} successors for job {job}, found {}",
                    numbers[2],
                    listed.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(listed.len());
        for &successor in listed {
            if successor == 0 || successor as usize > job_count {
                return Err(reader.error(
                    index,
                    format!("expected successors of job {job} between 1 and {job_count}, found {successor}"),
                ));
            }
            row.push(successor as usize - 1);
        }
        successors.push(row);
        precedence_lines.push(index);
    }

    reader.find("REQUESTS/DURATIONS", "the section 'REQUESTS/DURATIONS:'")?;
    let mut durations = Vec::with_capacity(job_count);
    let mut demands = Vec::with_capacity(job_count);
    let mut request_lines = Vec::with_capacity(job_count);
    for job in 1..=job_count {
        let what =
            format!("the request row of job {job} (job, mode, duration, {resource_count} demands)");
        let (index, numbers) = reader.row(&what)?;
        if numbers.len() != 3 + resource_count || numbers[0] as usize != job {
            return Err(reader.error(index, format!("expected {what}")));
        }
        durations.push(numbers[2]);
        demands.push(numbers[3..].to_vec());
        request_lines.push(index);
    }

    reader.find(
        "RESOURCEAVAILABILITIES",
        "the section 'RESOURCEAVAILABILITIES:'",
    )?;
    let what = format!("the {resource_count} resource capacities");
    let (capacity_line, capacities) = reader.row(&what)?;
    if capacities.len() != resource_count {
        return Err(reader.error(
            capacity_line,
            format!("expected {what}, found {}", capacities.len()),
        ));
    }

    Instance::new(durations, demands, successors, capacities).map_err(|error| match error {
        InstanceError::DemandOverCapacity {
            job,
            resource,
            demand,
            capacity,
        } => reader.error(
            request_lines[job],
            format!(
                "job {} needs {demand} units of resource R {}, which has only {capacity}: no schedule exists",
                job + 1,
                resource + 1
            ),
        ),
        InstanceError::Loop { job } => reader.error(
            precedence_lines[job],
            format!("the precedence relations have a loop through job {}", job + 1),
        ),
        other => PsplibError {
            file: file.to_string(),
            line: 0,
            message: other.to_string(),
        },
    })
}

/// Reads and parses a single-mode PSPLIB instance file.
pub fn load_sm(path: &Path) -> Result<Instance, PsplibError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(source) => parse_sm(&file, &source),
        Err(error) => Err(PsplibError {
            file,
            line: 0,
            message: format!("cannot read the instance file: {error}"),
        }),
    }
}

/// Parses a solution table; `file` is the name shown in errors. Rows whose first three tokens are
/// whole numbers are solutions; the others are headers. A table without rows, or one that lists
/// an instance twice, is an error.
pub fn parse_solutions(file: &str, source: &str) -> Result<Vec<ReferenceMakespan>, PsplibError> {
    let mut rows: Vec<ReferenceMakespan> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, line) in source.lines().enumerate() {
        let mut tokens = line.split_whitespace().map(str::parse::<u32>);
        let (Some(Ok(parameter)), Some(Ok(instance)), Some(Ok(makespan))) =
            (tokens.next(), tokens.next(), tokens.next())
        else {
            continue;
        };
        if let Some(first) = seen.insert((parameter, instance), index + 1) {
            return Err(PsplibError {
                file: file.to_string(),
                line: index as u32 + 1,
                message: format!(
                    "expected one row per instance; parameter {parameter} instance {instance} is already on line {first}"
                ),
            });
        }
        rows.push(ReferenceMakespan {
            parameter,
            instance,
            makespan,
        });
    }
    if rows.is_empty() {
        return Err(PsplibError {
            file: file.to_string(),
            line: 0,
            message: "expected rows 'parameter instance makespan ...', found none".to_string(),
        });
    }
    Ok(rows)
}

/// Reads and parses a solution table.
pub fn load_solutions(path: &Path) -> Result<Vec<ReferenceMakespan>, PsplibError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(source) => parse_solutions(&file, &source),
        Err(error) => Err(PsplibError {
            file,
            line: 0,
            message: format!("cannot read the solution table: {error}"),
        }),
    }
}

/// The parameter and instance numbers of a PSPLIB instance name such as `j3010_3` (set j30,
/// parameter 10, instance 3), for the sets j30, j60, j90 and j120.
pub fn instance_numbers(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix('j')?;
    let (head, instance) = rest.split_once('_')?;
    let instance: u32 = instance.parse().ok()?;
    ["120", "30", "60", "90"].iter().find_map(|set| {
        let parameter = head.strip_prefix(set)?;
        parameter
            .parse()
            .ok()
            .map(|parameter| (parameter, instance))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
************************************************************************
file with basedata            : small.bas
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  5
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     3       2    1
  3      1     2       1    1
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    2    3
************************************************************************
";

    #[test]
    fn reads_a_small_instance() {
        let instance = parse_sm("small.sm", SMALL).unwrap();
        assert_eq!(instance.job_count(), 4);
        assert_eq!(instance.resource_count(), 2);
        assert_eq!(instance.duration(1), 3);
        assert_eq!(instance.demand(2, 0), 1);
        assert_eq!(instance.capacity(1), 3);
        assert_eq!(instance.successors(0).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(instance.predecessors(3).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(instance.critical_path_length(), 3);
    }

    fn error_of(source: &str) -> String {
        parse_sm("bad.sm", source).unwrap_err().to_string()
    }

    #[test]
    fn malformed_files_name_the_line_and_what_was_expected() {
        let cases = [
            (
                SMALL.replace(
                    "   2        1          1           4",
                    "   2        1          2           4",
                ),
                "bad.sm:15: expected 2 successors for job 2, found 1",
            ),
            (
                SMALL.replace(
                    "   3        1          1           4",
                    "   3        1          1           9",
                ),
                "bad.sm:16: expected successors of job 3 between 1 and 4, found 9",
            ),
            (
                SMALL.replace(
                    "  2      1     3       2    1",
                    "  2      1     3       2    x",
                ),
                "bad.sm:23: expected the request row of job 2 (job, mode, duration, 2 demands) as whole numbers",
            ),
            (
                SMALL.replace("  2      1     3       2    1", "  2      1     3       2"),
                "bad.sm:23: expected the request row of job 2",
            ),
            (
                SMALL.replace(
                    "  3      1     2       1    1",
                    "  3      1     2       3    1",
                ),
                "bad.sm:24: job 3 needs 3 units of resource R 1, which has only 2",
            ),
            (
                SMALL.replace(
                    "   4        1          0",
                    "   4        1          1           2",
                ),
                "bad.sm:15: the precedence relations have a loop through job 2",
            ),
            (
                SMALL.replace("   2        1          1", "   2        2          1"),
                "bad.sm:15: expected 1 mode for job 2 (a single-mode file), found 2",
            ),
            (
                SMALL.replace("    2    3\n", ""),
                "bad.sm:29: expected the 2 resource capacities, found the end of the section",
            ),
            (
                SMALL[..SMALL.find("REQUESTS").unwrap()].to_string(),
                "bad.sm:18: expected the section 'REQUESTS/DURATIONS:' before the end of the file",
            ),
            (
                SMALL.replace(
                    "  - nonrenewable              :  0",
                    "  - nonrenewable              :  1",
                ),
                "bad.sm:9: expected no nonrenewable resources",
            ),
            (
                SMALL.replace(
                    "jobs (incl. supersource/sink ):  4",
                    "jobs (incl. supersource/sink ):  four",
                ),
                "bad.sm:5: expected the number of jobs as a whole number after ':'",
            ),
            (String::new(), "bad.sm: expected the line 'jobs"),
        ];
        for (source, expected) in cases {
            let message = error_of(&source);
            assert!(
                message.starts_with(expected),
                "{message}\nexpected: {expected}"
            );
        }
    }

    #[test]
    fn reads_solution_tables_and_refuses_bad_ones() {
        let table = "Paramter Instance Makespan CPU-Time[sec.]\n---\n1       1         43       0.30\n1\t2\t47\t\tTue Apr  2\n";
        let rows = parse_solutions("opt.sm", table).unwrap();
        assert_eq!(
            rows,
            vec![
                ReferenceMakespan {
                    parameter: 1,
                    instance: 1,
                    makespan: 43
                },
                ReferenceMakespan {
                    parameter: 1,
                    instance: 2,
                    makespan: 47
                }
            ]
        );
        let duplicate = parse_solutions("opt.sm", "1 1 43\n1 1 44\n").unwrap_err();
        assert_eq!(
            duplicate.to_string(),
            "opt.sm:2: expected one row per instance; parameter 1 instance 1 is already on line 1"
        );
        assert!(parse_solutions("opt.sm", "header only\n").is_err());
    }

    #[test]
    fn instance_numbers_follow_the_set_prefix() {
        assert_eq!(instance_numbers("j3010_3"), Some((10, 3)));
        assert_eq!(instance_numbers("j301_1"), Some((1, 1)));
        assert_eq!(instance_numbers("j1201_10"), Some((1, 10)));
        assert_eq!(instance_numbers("j6048_2"), Some((48, 2)));
        assert_eq!(instance_numbers("x301_1"), None);
    }
}
