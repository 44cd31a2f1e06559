//! Reading MSPDI: XML in, [`MspdiProject`] out, every error with its line, column and element.

use std::collections::HashMap;
use std::fmt;

use gantry_core::model::{
    Assignment, Availability, CalendarDef, CalendarException, CalendarId, Constraint, Duration,
    DurationSettings, Lag, Link, LinkType, Plan, Progress, Resource, ResourceId, ResourceKind,
    Shift, Task, TaskId, TaskType,
};
use jiff::civil::{Date, DateTime};
use roxmltree::{Document, Node};

use super::recurrence::{self, Recurrence, Repeat};
use super::{
    Baseline, CONTOUR_EDITED, MspdiAssignment, MspdiCalendar, MspdiProject, MspdiResource,
    MspdiTask, StoredDates, TimephasedWork,
};

/// Why an MSPDI file could not be read: where, in which element, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MspdiError {
    /// The file as the caller named it.
    pub file: String,
    /// Line (from 1).
    pub line: u32,
    /// Column (from 1).
    pub column: u32,
    /// The element concerned, e.g. `Task UID 12 › PredecessorLink`.
    pub element: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for MspdiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.element.is_empty() {
            write!(f, "{}: ", self.element)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for MspdiError {}

/// Durations are stored in minutes; a value beyond this (about 19 000 years) is out of range.
const MAX_MINUTES: f64 = 1e10;

/// MSPDI duration and lag format codes that are elapsed (clock) time, estimated codes (+32)
/// folded onto their base code.
fn format_is_elapsed(code: i64) -> bool {
    matches!(fold_estimated(code), 4 | 6 | 8 | 10 | 12 | 20)
}

fn format_is_percent(code: i64) -> bool {
    matches!(fold_estimated(code), 19 | 20)
}

fn fold_estimated(code: i64) -> i64 {
    if code > 32 { code - 32 } else { code }
}

/// Reads an MSPDI document. `file` names it in error messages.
pub fn read_mspdi(file: &str, text: &str) -> Result<MspdiProject, MspdiError> {
    let document = Document::parse(text).map_err(|error| {
        let position = error.pos();
        MspdiError {
            file: file.to_string(),
            line: position.row,
            column: position.col,
            element: String::new(),
            message: format!("not well-formed XML: {error}"),
        }
    })?;
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(offset, _)| offset + 1))
        .collect();
    Reader {
        file,
        text,
        document: &document,
        line_starts,
    }
    .project()
}

struct Reader<'a, 'input> {
    file: &'a str,
    text: &'input str,
    document: &'a Document<'input>,
    /// Byte offset of the start of every line, to turn an offset into a line and column in
    /// O(log n) (roxmltree's own lookup scans the document from its start).
    line_starts: Vec<usize>,
}

/// A calendar as MSPDI has it, before the plan's calendars are ordered base-first.
struct RawCalendar {
    uid: i64,
    name: String,
    is_base: bool,
    base_uid: Option<i64>,
    week: [Option<Vec<Shift>>; 7],
    exceptions: Vec<CalendarException>,
    work_weeks: Vec<recurrence::WorkWeek>,
    line_node: roxmltree::NodeId,
}

/// A link as stored under its successor, before UIDs are resolved.
struct RawLink {
    successor: TaskId,
    predecessor_uid: i64,
    kind: LinkType,
    lag: Lag,
    node: roxmltree::NodeId,
}

impl<'a, 'input> Reader<'a, 'input> {
    /// Line and column (from 1; the column counts characters) of a byte offset.
    fn position(&self, offset: usize) -> (u32, u32) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1)
            - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |text| text.chars().count())
            + 1;
        (line as u32 + 1, column as u32)
    }

    fn error(
        &self,
        node: Node<'_, '_>,
        element: impl Into<String>,
        message: impl Into<String>,
    ) -> MspdiError {
        let (line, column) = self.position(node.range().start);
        MspdiError {
            file: self.file.to_string(),
            line,
            column,
            element: element.into(),
            message: message.into(),
        }
    }

    fn line(&self, node: Node<'_, '_>) -> u32 {
        self.position(node.range().start).0
    }

    fn project(&self) -> Result<MspdiProject, MspdiError> {
        let root = self.document.root_element();
        if root.tag_name().name() != "Project" {
            return Err(self.error(
                root,
                root.tag_name().name(),
                "expected the root element <Project> of an MS Project XML file",
            ));
        }
        let element = "Project";
        let name = text(root, "Title")
            .or_else(|| text(root, "Name"))
            .unwrap_or("Imported project")
            .to_string();
        let start = match child(root, "StartDate") {
            Some(node) => self.datetime(node, element)?,
            None => {
                return Err(self.error(root, element, "the project has no <StartDate>"));
            }
        };
        let mut plan = Plan::new(name, start);
        plan.calendars.clear();
        plan.status_date = match child(root, "StatusDate") {
            Some(node) => Some(self.datetime(node, element)?),
            None => None,
        };
        let defaults = DurationSettings::default();
        plan.durations = DurationSettings {
            minutes_per_day: self
                .optional_int(root, "MinutesPerDay", element, 1, 1440)?
                .unwrap_or(defaults.minutes_per_day),
            minutes_per_week: self
                .optional_int(root, "MinutesPerWeek", element, 1, 10080)?
                .unwrap_or(defaults.minutes_per_week),
            days_per_month: self
                .optional_int(root, "DaysPerMonth", element, 1, 31)?
                .unwrap_or(defaults.days_per_month),
        };
        let honor_constraints = self
            .optional_flag(root, "HonorConstraints", element)?
            .unwrap_or(true);
        let schedule_from_start = self
            .optional_flag(root, "ScheduleFromStart", element)?
            .unwrap_or(true);
        let mut warnings = Vec::new();

        // Calendars, base calendars first so that every calendar's base comes before it.
        let raw_calendars = match child(root, "Calendars") {
            Some(node) => self.calendars(node, &mut warnings)?,
            None => Vec::new(),
        };
        let (calendar_defs, calendar_info, calendar_ids) = self.order_calendars(raw_calendars)?;
        plan.calendars = calendar_defs;
        let project_calendar_uid = self.optional_int(root, "CalendarUID", element, -1, i64::MAX)?;
        plan.calendar = match project_calendar_uid.and_then(|uid| calendar_ids.get(&uid).copied()) {
            Some(id) => id,
            None => {
                // No project calendar named (or none at all): the first base calendar, or a
                // standard one added for the purpose.
                match calendar_info.iter().position(|info| info.is_base) {
                    Some(index) => CalendarId(index as u32),
                    None => {
                        plan.calendars.push(CalendarDef::standard());
                        CalendarId((plan.calendars.len() - 1) as u32)
                    }
                }
            }
        };
        let mut calendar_info = calendar_info;
        while calendar_info.len() < plan.calendars.len() {
            calendar_info.push(MspdiCalendar {
                uid: next_free_uid(&calendar_info),
                is_base: true,
            });
        }

        // Tasks, in the file's order (ID order, which is outline order).
        let mut tasks = Vec::new();
        let mut raw_links = Vec::new();
        let mut project_summary = None;
        let mut null_tasks = 0;
        let mut uids: HashMap<i64, TaskId> = HashMap::new();
        let mut outline_stack: Vec<(i64, TaskId)> = Vec::new();
        let mut fixed_work: Vec<bool> = Vec::new();
        if let Some(tasks_node) = child(root, "Tasks") {
            for node in children(tasks_node, "Task") {
                let uid = self.required_int(node, "UID", "Task", i64::MIN, i64::MAX)?;
                let element = format!("Task UID {uid}");
                if self
                    .optional_flag(node, "IsNull", &element)?
                    .unwrap_or(false)
                {
                    null_tasks += 1;
                    continue;
                }
                let outline_level = self.optional_int(node, "OutlineLevel", &element, 0, 1000)?;
                if uid == 0 || outline_level == Some(0) {
                    project_summary = Some(self.stored_dates(node, &element)?);
                    continue;
                }
                if uids.contains_key(&uid) {
                    return Err(self.error(node, element, "a second task with the same UID"));
                }
                let id = TaskId(plan.tasks.len() as u32);
                let level = outline_level.unwrap_or(1).max(1);
                while outline_stack.last().is_some_and(|(l, _)| *l >= level) {
                    outline_stack.pop();
                }
                let parent = outline_stack.last().map(|(_, parent)| *parent);
                outline_stack.push((level, id));
                let (task, info) =
                    self.task(node, uid, parent, &element, &calendar_ids, &mut warnings)?;
                for link_node in children(node, "PredecessorLink") {
                    if let Some(link) = self.link(link_node, id, &element)? {
                        raw_links.push(link);
                    }
                }
                uids.insert(uid, id);
                // On a fixed-work task the assignments' work sets the duration.
                fixed_work.push(task.task_type == TaskType::FixedWork);
                plan.tasks.push(task);
                tasks.push(info);
            }
        }
        // A summary's duration is its subtasks' span, computed, not planned, and its work is
        // theirs: the plan keeps the defaults (plan files do the same), so that a file read,
        // written and read again gives the same plan.
        let summaries = plan.summary_flags();
        let defaults = Task::new("", "");
        for (task, summary) in plan.tasks.iter_mut().zip(summaries) {
            if summary {
                task.duration = defaults.duration;
                task.task_type = defaults.task_type;
                task.effort_driven = defaults.effort_driven;
                task.leveling_can_split = defaults.leveling_can_split;
            }
        }
        for link in raw_links {
            let node = self.node(link.node);
            let Some(&predecessor) = uids.get(&link.predecessor_uid) else {
                let successor_uid = tasks[link.successor.index()].uid;
                return Err(self.error(
                    node,
                    format!("Task UID {successor_uid} › PredecessorLink"),
                    format!(
                        "the predecessor UID {} is not a task of this project",
                        link.predecessor_uid
                    ),
                ));
            };
            if predecessor == link.successor {
                let uid = tasks[link.successor.index()].uid;
                return Err(self.error(
                    node,
                    format!("Task UID {uid} › PredecessorLink"),
                    "a task cannot be its own predecessor",
                ));
            }
            plan.links.push(Link {
                predecessor,
                successor: link.successor,
                kind: link.kind,
                lag: link.lag,
            });
        }

        let (resources, resource_infos, resource_uids) = match child(root, "Resources") {
            Some(node) => self.resources(node, &calendar_ids)?,
            None => (Vec::new(), Vec::new(), HashMap::new()),
        };
        let (assignments, assignment_infos) = match child(root, "Assignments") {
            Some(node) => self.assignments(node, &uids, &resource_uids, &fixed_work)?,
            None => (Vec::new(), Vec::new()),
        };
        plan.resources = resources;
        plan.assignments = assignments;

        // A calendar that the project or a task works on must have working time.
        let mut used = vec![false; plan.calendars.len()];
        used[plan.calendar.index()] = true;
        for task in &plan.tasks {
            if let Some(calendar) = task.calendar {
                used[calendar.index()] = true;
            }
        }
        for (index, used) in used.iter().enumerate() {
            if !used {
                continue;
            }
            if let Err(error) = gantry_core::calendar::WorkingCalendar::build(
                &plan.calendars,
                CalendarId(index as u32),
            ) {
                let uid = calendar_info[index].uid;
                let node = self.calendar_node(root, uid).unwrap_or(root);
                return Err(self.error(node, format!("Calendar UID {uid}"), error.to_string()));
            }
        }

        plan.baselines = super::plan_baselines(&tasks);
        Ok(MspdiProject {
            plan,
            tasks,
            calendars: calendar_info,
            resources: resource_infos,
            assignments: assignment_infos,
            project_summary,
            honor_constraints,
            schedule_from_start,
            null_tasks,
            warnings,
        })
    }

    fn node(&self, id: roxmltree::NodeId) -> Node<'a, 'input> {
        self.document
            .get_node(id)
            .unwrap_or_else(|| self.document.root_element())
    }

    fn calendar_node(&self, root: Node<'a, 'input>, uid: i64) -> Option<Node<'a, 'input>> {
        let calendars = child(root, "Calendars")?;
        children(calendars, "Calendar")
            .find(|node| text(*node, "UID").and_then(|t| t.trim().parse::<i64>().ok()) == Some(uid))
    }

    fn task(
        &self,
        node: Node<'_, '_>,
        uid: i64,
        parent: Option<TaskId>,
        element: &str,
        calendar_ids: &HashMap<i64, CalendarId>,
        warnings: &mut Vec<String>,
    ) -> Result<(Task, MspdiTask), MspdiError> {
        let name = text(node, "Name").unwrap_or("").to_string();
        let mut task = Task::new(format!("t{uid}"), name);
        task.parent = parent;
        let elapsed = self
            .optional_int(node, "DurationFormat", element, 0, 1000)?
            .is_some_and(format_is_elapsed);
        let duration_minutes = match child(node, "Duration") {
            Some(duration) => {
                let minutes = self.duration(duration, element)?;
                if minutes < 0 {
                    return Err(self.error(
                        duration,
                        format!("{element} › Duration"),
                        "a task's duration cannot be negative",
                    ));
                }
                minutes
            }
            None => 0,
        };
        task.duration = Duration {
            minutes: duration_minutes,
            elapsed,
        };
        task.milestone = self
            .optional_flag(node, "Milestone", element)?
            .unwrap_or(false);
        let summary = self
            .optional_flag(node, "Summary", element)?
            .unwrap_or(false);
        let manual = self
            .optional_flag(node, "Manual", element)?
            .unwrap_or(false);
        task.priority = self
            .optional_int(node, "Priority", element, 0, 1000)?
            .unwrap_or(500) as u16;
        task.task_type = match self.optional_int(node, "Type", element, 0, 2)? {
            Some(1) => TaskType::FixedDuration,
            Some(2) => TaskType::FixedWork,
            _ => TaskType::FixedUnits,
        };
        task.effort_driven = task.task_type == TaskType::FixedWork
            || self
                .optional_flag(node, "EffortDriven", element)?
                .unwrap_or(false);
        // MS Project's default for a new task is 1: a file that does not say allows splitting.
        task.leveling_can_split = self
            .optional_flag(node, "LevelingCanSplit", element)?
            .unwrap_or(true);
        task.deadline = match child(node, "Deadline") {
            Some(deadline) => Some(self.datetime(deadline, element)?),
            None => None,
        };
        task.calendar = match self.optional_int(node, "CalendarUID", element, i64::MIN, i64::MAX)? {
            None | Some(-1) => None,
            Some(calendar_uid) => match calendar_ids.get(&calendar_uid) {
                Some(id) => Some(*id),
                None => {
                    let calendar_node = child(node, "CalendarUID").unwrap_or(node);
                    return Err(self.error(
                        calendar_node,
                        format!("{element} › CalendarUID"),
                        format!("calendar UID {calendar_uid} is not a calendar of this project"),
                    ));
                }
            },
        };
        let constraint_date = match child(node, "ConstraintDate") {
            Some(date) => Some(self.datetime(date, element)?),
            None => None,
        };
        let constraint_type = self
            .optional_int(node, "ConstraintType", element, 0, 7)?
            .unwrap_or(0);
        let needs_date = |constraint: fn(DateTime) -> Constraint| match constraint_date {
            Some(date) => Ok(constraint(date)),
            None => Err(self.error(
                child(node, "ConstraintType").unwrap_or(node),
                format!("{element} › ConstraintType"),
                "this constraint type needs a <ConstraintDate>",
            )),
        };
        task.constraint = match constraint_type {
            0 => Constraint::AsSoonAsPossible,
            1 => Constraint::AsLateAsPossible,
            2 => needs_date(Constraint::MustStartOn)?,
            3 => needs_date(Constraint::MustFinishOn)?,
            4 => needs_date(Constraint::StartNoEarlierThan)?,
            5 => needs_date(Constraint::StartNoLaterThan)?,
            6 => needs_date(Constraint::FinishNoEarlierThan)?,
            _ => needs_date(Constraint::FinishNoLaterThan)?,
        };
        let stored = self.stored_dates(node, element)?;
        if manual && !summary && stored.start.is_none() {
            warnings.push(format!(
                "{element}: manually scheduled without a start; scheduled automatically"
            ));
        }

        let actual_start = match child(node, "ActualStart") {
            Some(date) => Some(self.datetime(date, element)?),
            None => None,
        };
        let actual_finish = match child(node, "ActualFinish") {
            Some(date) => Some(self.datetime(date, element)?),
            None => None,
        };
        let percent_complete = match child(node, "PercentComplete") {
            Some(percent) => {
                let value = self.number(percent, element)?;
                if !(0.0..=100.0).contains(&value) {
                    return Err(self.error(
                        percent,
                        format!("{element} › PercentComplete"),
                        format!("{value} is not a percentage between 0 and 100"),
                    ));
                }
                value
            }
            None => 0.0,
        };
        let remaining = match (actual_start, child(node, "RemainingDuration")) {
            (Some(_), Some(remaining)) if actual_finish.is_none() => {
                let minutes = self.duration(remaining, element)?;
                (minutes >= 0).then_some(Duration { minutes, elapsed })
            }
            _ => None,
        };
        // Resume: where interrupted work goes on; MS Project writes it for every task, and it
        // only means something for a started task that is not finished.
        let resume = match (actual_start, actual_finish) {
            (Some(started), None) => self
                .optional_datetime(node, "Resume", element)?
                .filter(|resume| *resume > started),
            _ => None,
        };
        task.progress = Progress {
            actual_start,
            actual_finish,
            percent_complete,
            remaining,
            resume: resume.map(Box::new),
        };

        let mut baselines = Vec::new();
        for baseline in children(node, "Baseline") {
            let element = format!("{element} › Baseline");
            let number = self
                .optional_int(baseline, "Number", &element, 0, 10)?
                .unwrap_or(0) as u8;
            baselines.push(Baseline {
                number,
                start: self.optional_datetime(baseline, "Start", &element)?,
                finish: self.optional_datetime(baseline, "Finish", &element)?,
                duration_minutes: self.optional_duration(baseline, "Duration", &element)?,
                work_minutes: self.optional_duration(baseline, "Work", &element)?,
                cost: self.optional_number(baseline, "Cost", &element)?,
            });
        }

        let info = MspdiTask {
            uid,
            id: self.optional_int(node, "ID", element, i64::MIN, i64::MAX)?,
            manual,
            summary,
            wbs: text(node, "WBS").map(str::to_string),
            stored,
            baselines,
            line: self.line(node),
        };
        Ok((task, info))
    }

    fn stored_dates(&self, node: Node<'_, '_>, element: &str) -> Result<StoredDates, MspdiError> {
        Ok(StoredDates {
            start: self.optional(node, "Start", element, Self::computed_datetime)?,
            finish: self.optional(node, "Finish", element, Self::computed_datetime)?,
            early_start: self.optional(node, "EarlyStart", element, Self::computed_datetime)?,
            early_finish: self.optional(node, "EarlyFinish", element, Self::computed_datetime)?,
            late_start: self.optional(node, "LateStart", element, Self::computed_datetime)?,
            late_finish: self.optional(node, "LateFinish", element, Self::computed_datetime)?,
            total_slack_tenths: self.optional_int(
                node,
                "TotalSlack",
                element,
                i64::MIN / 4,
                i64::MAX / 4,
            )?,
            free_slack_tenths: self.optional_int(
                node,
                "FreeSlack",
                element,
                i64::MIN / 4,
                i64::MAX / 4,
            )?,
            critical: self.optional_flag(node, "Critical", element)?,
        })
    }

    fn link(
        &self,
        node: Node<'_, '_>,
        successor: TaskId,
        task_element: &str,
    ) -> Result<Option<RawLink>, MspdiError> {
        let element = format!("{task_element} › PredecessorLink");
        if self
            .optional_flag(node, "CrossProject", &element)?
            .unwrap_or(false)
        {
            // A link to another project's task: that task is not here to schedule against.
            return Ok(None);
        }
        let predecessor_uid =
            self.required_int(node, "PredecessorUID", &element, i64::MIN, i64::MAX)?;
        let kind = match self
            .optional_int(node, "Type", &element, 0, 3)?
            .unwrap_or(1)
        {
            0 => LinkType::FinishToFinish,
            1 => LinkType::FinishToStart,
            2 => LinkType::StartToFinish,
            _ => LinkType::StartToStart,
        };
        let lag_tenths = self
            .optional_int(
                node,
                "LinkLag",
                &element,
                -(MAX_MINUTES as i64) * 10,
                MAX_MINUTES as i64 * 10,
            )?
            .unwrap_or(0);
        let format = self
            .optional_int(node, "LagFormat", &element, 0, 1000)?
            .unwrap_or(7);
        let lag = if lag_tenths == 0 {
            Lag::None
        } else if format_is_percent(format) {
            Lag::Percent(lag_tenths as f64)
        } else if format_is_elapsed(format) {
            Lag::Elapsed(round_tenths(lag_tenths))
        } else {
            Lag::Working(round_tenths(lag_tenths))
        };
        Ok(Some(RawLink {
            successor,
            predecessor_uid,
            kind,
            lag,
            node: node.id(),
        }))
    }

    fn calendars(
        &self,
        node: Node<'_, '_>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<RawCalendar>, MspdiError> {
        let mut calendars = Vec::new();
        for calendar in children(node, "Calendar") {
            let uid = self.required_int(calendar, "UID", "Calendar", i64::MIN, i64::MAX)?;
            let element = format!("Calendar UID {uid}");
            let name = text(calendar, "Name").unwrap_or("").to_string();
            let is_base = self
                .optional_flag(calendar, "IsBaseCalendar", &element)?
                .unwrap_or(true);
            let base_uid = self
                .optional_int(calendar, "BaseCalendarUID", &element, i64::MIN, i64::MAX)?
                .filter(|uid| *uid >= 0);
            let mut week: [Option<Vec<Shift>>; 7] = Default::default();
            let mut day_type_exceptions = Vec::new();
            if let Some(week_days) = child(calendar, "WeekDays") {
                for day in children(week_days, "WeekDay") {
                    let element = format!("{element} › WeekDay");
                    let day_type = self.required_int(day, "DayType", &element, 0, 7)?;
                    let working = self
                        .optional_flag(day, "DayWorking", &element)?
                        .unwrap_or(false);
                    let shifts = if working {
                        self.working_times(day, &element)?
                    } else {
                        Vec::new()
                    };
                    if day_type == 0 {
                        // Project 2003's exceptions: a day type 0 with a period of dates.
                        if let Some(period) = child(day, "TimePeriod") {
                            let (from, to) = self.period(period, &element)?;
                            day_type_exceptions.push(Recurrence::range(
                                String::new(),
                                from,
                                Some(to),
                                shifts,
                            ));
                        }
                    } else {
                        // DayType 1 is Sunday; the plan's week starts on Monday.
                        let index = ((day_type + 5) % 7) as usize;
                        week[index] = Some(shifts);
                    }
                }
            }
            let mut recurrences = Vec::new();
            if let Some(node) = child(calendar, "Exceptions") {
                for exception in children(node, "Exception") {
                    let element = format!("{element} › Exception");
                    recurrences.push(self.recurrence(exception, &element, warnings)?);
                }
            }
            if recurrences.is_empty() {
                // Project 2007 and later write each exception twice (here and as a day type 0);
                // older files only as day type 0.
                recurrences = day_type_exceptions;
            }
            let exceptions = recurrence::lay_out(&recurrences)
                .map_err(|message| self.error(calendar, element.clone(), message))?;
            let mut work_weeks = Vec::new();
            if let Some(weeks) = child(calendar, "WorkWeeks") {
                for week in children(weeks, "WorkWeek") {
                    let element = format!("{element} › WorkWeek");
                    if let Some(week) = self.work_week(week, &element)? {
                        work_weeks.push(week);
                    }
                }
            }
            if is_base {
                // A base calendar has no base to inherit from: a day it leaves out has no work.
                for day in &mut week {
                    if day.is_none() {
                        *day = Some(Vec::new());
                    }
                }
            }
            calendars.push(RawCalendar {
                uid,
                name,
                is_base,
                base_uid: if is_base { None } else { base_uid },
                week,
                exceptions,
                work_weeks,
                line_node: calendar.id(),
            });
        }
        Ok(calendars)
    }

    /// One `<Exception>`: its days, hours and how it repeats.
    fn recurrence(
        &self,
        exception: Node<'_, '_>,
        element: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Recurrence, MspdiError> {
        let Some(period) = child(exception, "TimePeriod") else {
            return Err(self.error(exception, element, "an exception without a <TimePeriod>"));
        };
        let from = child(period, "FromDate")
            .ok_or_else(|| self.error(period, element, "a time period without <FromDate>"))?;
        let from = self.datetime(from, element)?.date();
        let to = self
            .optional_datetime(period, "ToDate", element)?
            .map(|to| to.date());
        if let Some(to) = to
            && to < from
        {
            return Err(self.error(
                period,
                element,
                format!("the period ends ({to}) before it starts ({from})"),
            ));
        }
        let int = |name: &str, min: i64, max: i64, default: i64| {
            self.optional_int(exception, name, element, min, max)
                .map(|value| value.unwrap_or(default))
        };
        let kind = int("Type", 0, 1000, 1)?;
        let every = int("Period", 0, 100_000, 1)?.max(1);
        let month_item = int("MonthItem", 0, 9, 3)?;
        let mut repeat = match kind {
            1 | 7 if every > 1 => Repeat::Daily,
            1 | 7 => Repeat::Range,
            2 => Repeat::YearlyOnDay,
            3 => Repeat::YearlyOnWeekday,
            4 => Repeat::MonthlyOnDay,
            5 => Repeat::MonthlyOnWeekday,
            6 => Repeat::Weekly,
            _ => {
                warnings.push(format!(
                    "{element} (line {}): an exception of type {kind} is read as every day from {from} to {}",
                    self.line(exception),
                    to.map_or("its first day".to_string(), |to| to.to_string())
                ));
                Repeat::Range
            }
        };
        if matches!(repeat, Repeat::YearlyOnWeekday | Repeat::MonthlyOnWeekday) && month_item < 3 {
            warnings.push(format!(
                "{element} (line {}): a recurrence on \"any day\", \"weekday\" or \"weekend day\" (MonthItem {month_item}) is read as every day of its period",
                self.line(exception)
            ));
            repeat = Repeat::Range;
        }
        // An exception without hours, or marked non-working, has no work.
        let working = self
            .optional_flag(exception, "DayWorking", element)?
            .unwrap_or(true);
        let shifts = if working {
            self.working_times(exception, element)?
        } else {
            Vec::new()
        };
        Ok(Recurrence {
            name: text(exception, "Name").unwrap_or("").to_string(),
            repeat,
            from,
            to,
            occurrences: int("Occurrences", 0, 100_000, 1)?,
            period: every,
            days_of_week: int("DaysOfWeek", 0, 127, 0)?,
            month_day: int("MonthDay", 0, 31, 1)?,
            month: int("Month", 0, 11, 0)?,
            position: int("MonthPosition", 0, 4, 0)?,
            weekday: month_item - 2,
            shifts,
        })
    }

    /// One `<WorkWeek>`: another weekly pattern between two dates.
    fn work_week(
        &self,
        node: Node<'_, '_>,
        element: &str,
    ) -> Result<Option<recurrence::WorkWeek>, MspdiError> {
        let Some(period) = child(node, "TimePeriod") else {
            return Err(self.error(node, element, "a work week without a <TimePeriod>"));
        };
        let (from, to) = self.period(period, element)?;
        let Some(week_days) = child(node, "WeekDays") else {
            return Ok(None);
        };
        let mut week: [Vec<Shift>; 7] = Default::default();
        for day in children(week_days, "WeekDay") {
            let element = format!("{element} › WeekDay");
            let day_type = self.required_int(day, "DayType", &element, 1, 7)?;
            let working = self
                .optional_flag(day, "DayWorking", &element)?
                .unwrap_or(false);
            week[((day_type + 5) % 7) as usize] = if working {
                self.working_times(day, &element)?
            } else {
                Vec::new()
            };
        }
        Ok(Some(recurrence::WorkWeek {
            name: text(node, "Name").unwrap_or("").to_string(),
            from,
            to,
            week,
        }))
    }

    /// Orders the calendars so that each base comes before the calendars built on it.
    #[allow(clippy::type_complexity)]
    fn order_calendars(
        &self,
        raw: Vec<RawCalendar>,
    ) -> Result<
        (
            Vec<CalendarDef>,
            Vec<MspdiCalendar>,
            HashMap<i64, CalendarId>,
        ),
        MspdiError,
    > {
        let by_uid: HashMap<i64, usize> = raw
            .iter()
            .enumerate()
            .map(|(index, calendar)| (calendar.uid, index))
            .collect();
        for calendar in &raw {
            if let Some(base) = calendar.base_uid
                && !by_uid.contains_key(&base)
            {
                return Err(self.error(
                    self.node(calendar.line_node),
                    format!("Calendar UID {}", calendar.uid),
                    format!("its base calendar UID {base} is not a calendar of this project"),
                ));
            }
        }
        let mut order: Vec<usize> = Vec::with_capacity(raw.len());
        let mut state = vec![0u8; raw.len()]; // 0 new, 1 on the path, 2 placed
        for start in 0..raw.len() {
            let mut path = vec![start];
            while let Some(&index) = path.last() {
                if state[index] == 2 {
                    path.pop();
                    continue;
                }
                state[index] = 1;
                match raw[index].base_uid.map(|uid| by_uid[&uid]) {
                    Some(base) if state[base] == 0 => path.push(base),
                    Some(base) if state[base] == 1 => {
                        return Err(self.error(
                            self.node(raw[index].line_node),
                            format!("Calendar UID {}", raw[index].uid),
                            "its chain of base calendars loops back to itself",
                        ));
                    }
                    _ => {
                        state[index] = 2;
                        order.push(index);
                        path.pop();
                    }
                }
            }
        }
        let mut ids = HashMap::new();
        for (position, &index) in order.iter().enumerate() {
            ids.insert(raw[index].uid, CalendarId(position as u32));
        }
        let mut slots: Vec<Option<RawCalendar>> = raw.into_iter().map(Some).collect();
        let mut defs = Vec::with_capacity(order.len());
        let mut info = Vec::with_capacity(order.len());
        // Each placed calendar's exceptions without its work weeks, for the calendars after it.
        let mut real_exceptions: Vec<Vec<CalendarException>> = Vec::with_capacity(order.len());
        for index in order {
            let Some(calendar) = slots[index].take() else {
                continue;
            };
            info.push(MspdiCalendar {
                uid: calendar.uid,
                is_base: calendar.is_base,
            });
            // Alternate work weeks take the days that no exception holds, the calendar's own
            // or its base calendars'.
            let base = calendar.base_uid.map(|uid| ids[&uid]);
            let real = calendar.exceptions.clone();
            let mut exceptions = calendar.exceptions;
            if !calendar.work_weeks.is_empty() {
                let mut taken = std::collections::BTreeSet::new();
                let mut add = |list: &[CalendarException]| {
                    for exception in list {
                        let mut day = exception.from;
                        while day <= exception.to {
                            taken.insert(day);
                            match day.tomorrow() {
                                Ok(next) => day = next,
                                Err(_) => break,
                            }
                        }
                    }
                };
                add(&real);
                let mut chain = base;
                while let Some(id) = chain {
                    add(&real_exceptions[id.index()]);
                    chain = defs.get(id.index()).and_then(|def: &CalendarDef| def.base);
                }
                let weeks = recurrence::lay_out_work_weeks(&calendar.work_weeks, &taken).map_err(
                    |message| {
                        self.error(
                            self.node(calendar.line_node),
                            format!("Calendar UID {}", calendar.uid),
                            message,
                        )
                    },
                )?;
                exceptions.extend(weeks);
                exceptions.sort_by_key(|exception| exception.from);
            }
            real_exceptions.push(real);
            defs.push(CalendarDef {
                name: calendar.name,
                base,
                week: calendar.week,
                exceptions,
            });
        }
        Ok((defs, info, ids))
    }

    fn working_times(&self, node: Node<'_, '_>, element: &str) -> Result<Vec<Shift>, MspdiError> {
        let mut shifts = Vec::new();
        let Some(times) = child(node, "WorkingTimes") else {
            return Ok(shifts);
        };
        for time in children(times, "WorkingTime") {
            let from = child(time, "FromTime");
            let to = child(time, "ToTime");
            let (Some(from), Some(to)) = (from, to) else {
                // MS Project writes an empty <WorkingTime/> on some non-working days.
                continue;
            };
            let start = self.time_of_day(from, element)?;
            let mut end = self.time_of_day(to, element)?;
            if end == 0 {
                end = 24 * 60;
            }
            shifts.push(Shift::new(start, end));
        }
        Ok(shifts)
    }

    fn period(&self, node: Node<'_, '_>, element: &str) -> Result<(Date, Date), MspdiError> {
        let from = child(node, "FromDate")
            .ok_or_else(|| self.error(node, element, "a time period without <FromDate>"))?;
        let to = child(node, "ToDate")
            .ok_or_else(|| self.error(node, element, "a time period without <ToDate>"))?;
        let from_date = self.datetime(from, element)?.date();
        let to_date = self.datetime(to, element)?.date();
        if to_date < from_date {
            return Err(self.error(
                node,
                element,
                format!("the period ends ({to_date}) before it starts ({from_date})"),
            ));
        }
        Ok((from_date, to_date))
    }

    #[allow(clippy::type_complexity)]
    fn resources(
        &self,
        node: Node<'_, '_>,
        calendar_ids: &HashMap<i64, CalendarId>,
    ) -> Result<(Vec<Resource>, Vec<MspdiResource>, HashMap<i64, ResourceId>), MspdiError> {
        let mut resources = Vec::new();
        let mut infos = Vec::new();
        let mut uids = HashMap::new();
        for resource in children(node, "Resource") {
            let uid = self.required_int(resource, "UID", "Resource", i64::MIN, i64::MAX)?;
            let element = format!("Resource UID {uid}");
            if uid == 0
                || self
                    .optional_flag(resource, "IsNull", &element)?
                    .unwrap_or(false)
            {
                // UID 0 is a placeholder MS Project writes in every file.
                continue;
            }
            let kind = match self
                .optional_int(resource, "Type", &element, 0, 2)?
                .unwrap_or(1)
            {
                0 => ResourceKind::Material,
                2 => ResourceKind::Cost,
                _ => ResourceKind::Work,
            };
            let calendar =
                match self.optional_int(resource, "CalendarUID", &element, i64::MIN, i64::MAX)? {
                    None | Some(-1) => None,
                    Some(calendar_uid) => calendar_ids.get(&calendar_uid).copied(),
                };
            let max_units = self
                .optional_number(resource, "MaxUnits", &element)?
                .unwrap_or(1.0);
            if max_units < 0.0 {
                return Err(self.error(resource, element, "MaxUnits cannot be negative"));
            }
            let mut availability = Vec::new();
            if let Some(periods) = child(resource, "AvailabilityPeriods") {
                for period in children(periods, "AvailabilityPeriod") {
                    let element = format!("{element} › AvailabilityPeriod");
                    let units = self
                        .optional_number(period, "AvailableUnits", &element)?
                        .unwrap_or(1.0);
                    if units < 0.0 {
                        return Err(self.error(
                            period,
                            element,
                            "AvailableUnits cannot be negative",
                        ));
                    }
                    availability.push(Availability {
                        from: self.optional_datetime(period, "AvailableFrom", &element)?,
                        to: self.optional_datetime(period, "AvailableTo", &element)?,
                        units,
                    });
                }
            }
            // In MS Project a resource with an availability table is not available outside
            // its rows; the plan says so with periods of no units.
            let availability = super::availability_with_gaps_closed(availability, 0.0);
            uids.insert(uid, ResourceId(resources.len() as u32));
            infos.push(MspdiResource { uid });
            resources.push(Resource {
                key: format!("r{uid}"),
                name: text(resource, "Name").unwrap_or("").to_string(),
                kind,
                initials: text(resource, "Initials").map(str::to_string),
                group: text(resource, "Group").map(str::to_string),
                email: text(resource, "EmailAddress").map(str::to_string),
                max_units,
                standard_rate: self
                    .optional_number(resource, "StandardRate", &element)?
                    .unwrap_or(0.0),
                overtime_rate: self
                    .optional_number(resource, "OvertimeRate", &element)?
                    .unwrap_or(0.0),
                cost_per_use: self
                    .optional_number(resource, "CostPerUse", &element)?
                    .unwrap_or(0.0),
                calendar,
                availability,
            });
        }
        Ok((resources, infos, uids))
    }

    fn assignments(
        &self,
        node: Node<'_, '_>,
        task_uids: &HashMap<i64, TaskId>,
        resource_uids: &HashMap<i64, ResourceId>,
        fixed_work: &[bool],
    ) -> Result<(Vec<Assignment>, Vec<MspdiAssignment>), MspdiError> {
        let mut assignments = Vec::new();
        let mut infos = Vec::new();
        for assignment in children(node, "Assignment") {
            let uid = self.required_int(assignment, "UID", "Assignment", i64::MIN, i64::MAX)?;
            let element = format!("Assignment UID {uid}");
            let task_uid =
                self.required_int(assignment, "TaskUID", &element, i64::MIN, i64::MAX)?;
            let resource_uid =
                self.required_int(assignment, "ResourceUID", &element, i64::MIN, i64::MAX)?;
            // -65535 is MS Project's "no resource"; assignments on the project summary task or
            // a blank row have nothing to attach to.
            let (Some(&task), Some(&resource)) =
                (task_uids.get(&task_uid), resource_uids.get(&resource_uid))
            else {
                continue;
            };
            let contour = self
                .optional_int(assignment, "WorkContour", &element, 0, 8)?
                .unwrap_or(0);
            let mut timephased = Vec::new();
            if contour == CONTOUR_EDITED {
                for period in children(assignment, "TimephasedData") {
                    let element = format!("{element} › TimephasedData");
                    let kind = self.required_int(period, "Type", &element, 0, 1000)?;
                    let (Some(start), Some(finish)) = (
                        self.optional_datetime(period, "Start", &element)?,
                        self.optional_datetime(period, "Finish", &element)?,
                    ) else {
                        return Err(self.error(
                            period,
                            element,
                            "a period without <Start> or <Finish>",
                        ));
                    };
                    timephased.push(TimephasedWork {
                        kind,
                        start,
                        finish,
                        minutes: self.optional_duration(period, "Value", &element)?,
                    });
                }
            }
            let units = self
                .optional_number(assignment, "Units", &element)?
                .unwrap_or(1.0);
            if units < 0.0 {
                return Err(self.error(assignment, element, "Units cannot be negative"));
            }
            assignments.push(Assignment {
                task,
                resource,
                units,
                // The work sets the duration only on a fixed-work task; elsewhere MS Project keeps
                // it in step with the duration.
                work: fixed_work
                    .get(task.index())
                    .copied()
                    .unwrap_or(false)
                    .then(|| self.optional_duration(assignment, "Work", &element))
                    .transpose()?
                    .flatten(),
            });
            infos.push(MspdiAssignment {
                uid,
                actual_work_minutes: self
                    .optional_duration(assignment, "ActualWork", &element)?
                    .unwrap_or(0),
                remaining_work_minutes: self.optional_duration(
                    assignment,
                    "RemainingWork",
                    &element,
                )?,
                start: self.optional_datetime(assignment, "Start", &element)?,
                finish: self.optional_datetime(assignment, "Finish", &element)?,
                contour,
                timephased,
            });
        }
        Ok((assignments, infos))
    }

    // --- values -------------------------------------------------------------------------------

    fn value<'n>(&self, node: Node<'n, '_>) -> &'n str {
        node.text().unwrap_or("").trim()
    }

    fn element_name(&self, element: &str, node: Node<'_, '_>) -> String {
        format!("{element} › {}", node.tag_name().name())
    }

    fn datetime(&self, node: Node<'_, '_>, element: &str) -> Result<DateTime, MspdiError> {
        let value = self.value(node);
        let parsed: Result<DateTime, _> = value.parse();
        match parsed {
            Ok(datetime) if (1900..=2200).contains(&datetime.year()) => {
                // Seconds and fractions are below the engine's minute resolution.
                Ok(datetime
                    .with()
                    .second(0)
                    .subsec_nanosecond(0)
                    .build()
                    .unwrap_or(datetime))
            }
            Ok(datetime) => Err(self.error(
                node,
                self.element_name(element, node),
                format!("{datetime} is out of range: dates must fall between 1900 and 2200"),
            )),
            Err(_) => Err(self.error(
                node,
                self.element_name(element, node),
                format!("\"{value}\" is not a date and time like 2026-01-05T08:00:00"),
            )),
        }
    }

    /// The child element `name` read by `read`, or `None` when it is absent or empty.
    fn optional<T>(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
        read: impl Fn(&Self, Node<'_, '_>, &str) -> Result<T, MspdiError>,
    ) -> Result<Option<T>, MspdiError> {
        match child(node, name) {
            Some(value) if !self.value(value).is_empty() => read(self, value, element).map(Some),
            _ => Ok(None),
        }
    }

    /// A date MS Project computed for a task (start, finish, early and late dates), to the
    /// nearest minute: MS Project keeps the seconds of a duration (a 138h53m18s task has a late
    /// start of 08:06:42, the engine's 08:07), while the dates a person enters (constraints,
    /// actuals, calendars) only drop them.
    fn computed_datetime(&self, node: Node<'_, '_>, element: &str) -> Result<DateTime, MspdiError> {
        let minute = self.datetime(node, element)?;
        let seconds = self
            .value(node)
            .parse::<DateTime>()
            .map_or(0, |exact| exact.second());
        Ok(if seconds >= 30 {
            minute
                .checked_add(jiff::Span::new().minutes(1))
                .unwrap_or(minute)
        } else {
            minute
        })
    }

    fn optional_datetime(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
    ) -> Result<Option<DateTime>, MspdiError> {
        self.optional(node, name, element, Self::datetime)
    }

    fn time_of_day(&self, node: Node<'_, '_>, element: &str) -> Result<u16, MspdiError> {
        let value = self.value(node);
        let parsed: Option<u16> = (|| {
            let mut parts = value.split(':');
            let hours: u16 = parts.next()?.parse().ok()?;
            let minutes: u16 = parts.next().unwrap_or("0").parse().ok()?;
            (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
        })();
        parsed.ok_or_else(|| {
            self.error(
                node,
                self.element_name(element, node),
                format!("\"{value}\" is not a time of day like 08:00:00"),
            )
        })
    }

    /// An ISO-8601 duration (`PT8H0M0S`, `-PT2H`, `P1DT4H`) in minutes.
    fn duration(&self, node: Node<'_, '_>, element: &str) -> Result<i64, MspdiError> {
        let value = self.value(node);
        parse_iso_duration(value).ok_or_else(|| {
            self.error(
                node,
                self.element_name(element, node),
                format!("\"{value}\" is not a duration like PT8H0M0S"),
            )
        })
    }

    fn optional_duration(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
    ) -> Result<Option<i64>, MspdiError> {
        self.optional(node, name, element, Self::duration)
    }

    fn number(&self, node: Node<'_, '_>, element: &str) -> Result<f64, MspdiError> {
        let value = self.value(node);
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(number),
            _ => Err(self.error(
                node,
                self.element_name(element, node),
                format!("\"{value}\" is not a number"),
            )),
        }
    }

    fn optional_number(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
    ) -> Result<Option<f64>, MspdiError> {
        self.optional(node, name, element, Self::number)
    }

    fn optional_int(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, MspdiError> {
        let Some(value_node) = child(node, name) else {
            return Ok(None);
        };
        let value = self.value(value_node);
        if value.is_empty() {
            return Ok(None);
        }
        match value.parse::<i64>() {
            Ok(number) if (min..=max).contains(&number) => Ok(Some(number)),
            Ok(number) => Err(self.error(
                value_node,
                self.element_name(element, value_node),
                format!("{number} is out of range ({min} to {max})"),
            )),
            Err(_) => Err(self.error(
                value_node,
                self.element_name(element, value_node),
                format!("\"{value}\" is not a whole number"),
            )),
        }
    }

    fn required_int(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
        min: i64,
        max: i64,
    ) -> Result<i64, MspdiError> {
        self.optional_int(node, name, element, min, max)?
            .ok_or_else(|| self.error(node, element, format!("<{name}> is missing")))
    }

    fn optional_flag(
        &self,
        node: Node<'_, '_>,
        name: &str,
        element: &str,
    ) -> Result<Option<bool>, MspdiError> {
        let Some(value_node) = child(node, name) else {
            return Ok(None);
        };
        match self.value(value_node) {
            "" => Ok(None),
            "1" | "true" => Ok(Some(true)),
            "0" | "false" => Ok(Some(false)),
            other => Err(self.error(
                value_node,
                self.element_name(element, value_node),
                format!("\"{other}\" is not a flag (0 or 1)"),
            )),
        }
    }
}

fn next_free_uid(calendars: &[MspdiCalendar]) -> i64 {
    calendars
        .iter()
        .map(|calendar| calendar.uid)
        .max()
        .unwrap_or(0)
        + 1
}

/// Tenths of a minute to whole minutes, to the nearest minute.
fn round_tenths(tenths: i64) -> i64 {
    (tenths as f64 / 10.0).round() as i64
}

/// The first child element called `name`.
fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

/// Every child element called `name`.
fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// The trimmed text of the first child element called `name`, when it has any.
fn text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name)
        .and_then(|child| child.text())
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// Parses an ISO-8601 duration into minutes, rounded to the nearest minute.
pub(crate) fn parse_iso_duration(value: &str) -> Option<i64> {
    let (negative, rest) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let rest = rest.strip_prefix('P')?;
    let mut minutes = 0.0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for character in rest.chars() {
        match character {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(character),
            unit => {
                let amount: f64 = number.parse().ok()?;
                number.clear();
                any = true;
                minutes += amount
                    * match (in_time, unit) {
                        (false, 'Y') => 365.0 * 1440.0,
                        (false, 'M') => 30.0 * 1440.0,
                        (false, 'W') => 7.0 * 1440.0,
                        (false, 'D') => 1440.0,
                        (true, 'H') => 60.0,
                        (true, 'M') => 1.0,
                        (true, 'S') => 1.0 / 60.0,
                        _ => return None,
                    };
            }
        }
    }
    if !number.is_empty() || !any || !minutes.is_finite() || minutes > MAX_MINUTES {
        return None;
    }
    let minutes = minutes.round() as i64;
    Some(if negative { -minutes } else { minutes })
}

#[cfg(test)]
mod tests {
    use super::parse_iso_duration;

    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso_duration("PT8H0M0S"), Some(480));
        assert_eq!(parse_iso_duration("PT0H1M0S"), Some(1));
        assert_eq!(parse_iso_duration("-PT2H30M0S"), Some(-150));
        assert_eq!(parse_iso_duration("P1DT2H"), Some(1560));
        assert_eq!(parse_iso_duration("PT0H0M30S"), Some(1));
        assert_eq!(parse_iso_duration("PT"), None);
        assert_eq!(parse_iso_duration("8h"), None);
        assert_eq!(parse_iso_duration("PT8X"), None);
    }
}
