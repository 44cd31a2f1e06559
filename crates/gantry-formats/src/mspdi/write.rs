//! Writing MSPDI: a plan, what the file knew beyond it, and the computed schedule, as the XML
//! that Microsoft Project, ProjectLibre, GanttProject and MPXJ read.
//!
//! Elements follow the order of Microsoft's schema (mspdi_pj12.xsd and later), which MS Project
//! enforces. Only what Gantry knows is written; MS Project fills in the rest on opening.

use std::fmt::Write as _;

use gantry_core::cpm::Schedule;
use gantry_core::model::{
    CalendarDef, CalendarException, Constraint, Duration, Lag, LinkType, ResourceKind, Shift,
    TaskId, TaskType,
};
use jiff::civil::DateTime;

use super::{MspdiProject, StoredDates};

/// Writes `project` as an MSPDI document. With a `schedule` (computed from
/// [`MspdiProject::scheduling_plan`]) every task carries its dates, slack and critical flag;
/// without one, the dates stored when the project was read are written back.
pub fn write_mspdi(project: &MspdiProject, schedule: Option<&Schedule>) -> String {
    let plan = &project.plan;
    let mut xml = Xml::default();
    xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    xml.open("Project xmlns=\"http://schemas.microsoft.com/project\"");
    xml.element("SaveVersion", "14");
    xml.element("Name", &plan.name);
    xml.element("Title", &plan.name);
    xml.element("ScheduleFromStart", flag(project.schedule_from_start));
    xml.element("StartDate", &date(plan.start));
    if let Some(schedule) = schedule {
        xml.element("FinishDate", &date(schedule.project_finish.to_civil()));
    }
    xml.element("CriticalSlackLimit", "0");
    xml.element(
        "CalendarUID",
        &project.calendars[plan.calendar.index()].uid.to_string(),
    );
    xml.element("MinutesPerDay", &plan.durations.minutes_per_day.to_string());
    xml.element(
        "MinutesPerWeek",
        &plan.durations.minutes_per_week.to_string(),
    );
    xml.element("DaysPerMonth", &plan.durations.days_per_month.to_string());
    xml.element("HonorConstraints", flag(project.honor_constraints));
    if let Some(status_date) = plan.status_date {
        xml.element("StatusDate", &date(status_date));
    }

    xml.open("Calendars");
    for (index, calendar) in plan.calendars.iter().enumerate() {
        let info = &project.calendars[index];
        // In MS Project only resource calendars build on another; a plan calendar based on
        // another that tasks use is written whole, as a base calendar of its own.
        let flattened;
        let calendar = if info.is_base && calendar.base.is_some() {
            flattened = flatten(&plan.calendars, index);
            &flattened
        } else {
            calendar
        };
        xml.open("Calendar");
        xml.element("UID", &info.uid.to_string());
        xml.element("Name", &calendar.name);
        xml.element("IsBaseCalendar", flag(info.is_base));
        let base = calendar
            .base
            .map_or(-1, |base| project.calendars[base.index()].uid);
        xml.element("BaseCalendarUID", &base.to_string());
        if calendar.week.iter().any(Option::is_some) {
            xml.open("WeekDays");
            for (weekday, shifts) in calendar.week.iter().enumerate() {
                let Some(shifts) = shifts else { continue };
                xml.open("WeekDay");
                // The plan's week starts on Monday; MSPDI's day type 1 is Sunday.
                xml.element("DayType", &(((weekday + 1) % 7) + 1).to_string());
                working_times(&mut xml, shifts);
                xml.close("WeekDay");
            }
            xml.close("WeekDays");
        }
        if !calendar.exceptions.is_empty() {
            xml.open("Exceptions");
            for exception in &calendar.exceptions {
                xml.open("Exception");
                xml.element("EnteredByOccurrences", "0");
                xml.open("TimePeriod");
                xml.element("FromDate", &format!("{}T00:00:00", exception.from));
                xml.element("ToDate", &format!("{}T23:59:00", exception.to));
                xml.close("TimePeriod");
                xml.element("Occurrences", "1");
                xml.element("Name", &exception.name);
                xml.element("Type", "1");
                working_times(&mut xml, &exception.shifts);
                xml.close("Exception");
            }
            xml.close("Exceptions");
        }
        xml.close("Calendar");
    }
    xml.close("Calendars");

    let summaries = plan.summary_flags();
    let outline_numbers = plan.outline_numbers();
    let mut levels = vec![1usize; plan.tasks.len()];
    for (index, task) in plan.tasks.iter().enumerate() {
        if let Some(parent) = task.parent {
            levels[index] = levels[parent.index()] + 1;
        }
    }
    xml.open("Tasks");
    // The project summary task, UID 0.
    xml.open("Task");
    xml.element("UID", "0");
    xml.element("ID", "0");
    xml.element("Name", &plan.name);
    xml.element("Type", "1");
    xml.element("IsNull", "0");
    xml.element("WBS", "0");
    xml.element("OutlineNumber", "0");
    xml.element("OutlineLevel", "0");
    match schedule {
        Some(schedule) => {
            xml.element("Start", &date(schedule.project_start.to_civil()));
            xml.element("Finish", &date(schedule.project_finish.to_civil()));
        }
        None => {
            if let Some(stored) = &project.project_summary {
                stored_dates(&mut xml, stored, false);
            }
        }
    }
    xml.element("Summary", "1");
    xml.close("Task");

    for (index, task) in plan.tasks.iter().enumerate() {
        let info = &project.tasks[index];
        let id = TaskId(index as u32);
        xml.open("Task");
        xml.element("UID", &info.uid.to_string());
        xml.element("ID", &(index + 1).to_string());
        xml.element("Name", &task.name);
        xml.element("Manual", flag(info.manual));
        xml.element(
            "Type",
            match task.task_type {
                TaskType::FixedUnits => "0",
                TaskType::FixedDuration => "1",
                TaskType::FixedWork => "2",
            },
        );
        xml.element("IsNull", "0");
        xml.element(
            "WBS",
            info.wbs.as_deref().unwrap_or(&outline_numbers[index]),
        );
        xml.element("OutlineNumber", &outline_numbers[index]);
        xml.element("OutlineLevel", &levels[index].to_string());
        xml.element("Priority", &task.priority.to_string());
        let computed = schedule.map(|schedule| schedule.task(id));
        if let Some(computed) = computed {
            xml.element("Start", &date(computed.start.to_civil()));
            xml.element("Finish", &date(computed.finish.to_civil()));
        } else {
            optional_date(&mut xml, "Start", info.stored.start);
            optional_date(&mut xml, "Finish", info.stored.finish);
        }
        // A summary's duration is its rolled-up span; the plan does not hold one.
        let duration = match computed {
            Some(computed) if summaries[index] => computed.duration_minutes,
            _ => task.duration.minutes,
        };
        xml.element("Duration", &iso_duration(duration));
        xml.element(
            "DurationFormat",
            &duration_format(task.duration, plan.durations.minutes_per_day).to_string(),
        );
        optional_date(&mut xml, "Resume", task.progress.resume.as_deref().copied());
        xml.element("EffortDriven", flag(task.effort_driven));
        xml.element("Milestone", flag(task.milestone));
        xml.element("Summary", flag(summaries[index]));
        match computed {
            Some(computed) => {
                xml.element("Critical", flag(computed.critical));
                xml.element("EarlyStart", &date(computed.early_start.to_civil()));
                xml.element("EarlyFinish", &date(computed.early_finish.to_civil()));
                xml.element("LateStart", &date(computed.late_start.to_civil()));
                xml.element("LateFinish", &date(computed.late_finish.to_civil()));
                xml.element("FreeSlack", &(computed.free_float * 10).to_string());
                xml.element("TotalSlack", &(computed.total_float * 10).to_string());
            }
            None => stored_dates(&mut xml, &info.stored, true),
        }
        let progress = &task.progress;
        if progress.percent_complete > 0.0 {
            xml.element("PercentComplete", &format_number(progress.percent_complete));
        }
        // A date typed without a time (midnight in the plan) is written as the engine reads it,
        // the start or end of that day's work, which is what MS Project expects to find; a date
        // with a time is the user's and is kept.
        let at_midnight = |date: &DateTime| date.time() == jiff::civil::Time::midnight();
        let (actual_start, actual_finish) = match computed {
            Some(computed) => (
                progress.actual_start.map(|date| {
                    if at_midnight(&date) {
                        computed.start.to_civil()
                    } else {
                        date
                    }
                }),
                progress.actual_finish.map(|date| {
                    if at_midnight(&date) {
                        computed.finish.to_civil()
                    } else {
                        date
                    }
                }),
            ),
            None => (progress.actual_start, progress.actual_finish),
        };
        optional_date(&mut xml, "ActualStart", actual_start);
        optional_date(&mut xml, "ActualFinish", actual_finish);
        if let Some(remaining) = progress.remaining {
            xml.element("RemainingDuration", &iso_duration(remaining.minutes));
        }
        let (constraint_type, constraint_date) = constraint_code(task.constraint);
        xml.element("ConstraintType", &constraint_type.to_string());
        let calendar = task
            .calendar
            .map_or(-1, |calendar| project.calendars[calendar.index()].uid);
        xml.element("CalendarUID", &calendar.to_string());
        optional_date(&mut xml, "ConstraintDate", constraint_date);
        optional_date(&mut xml, "Deadline", task.deadline);
        xml.element("LevelingCanSplit", flag(task.leveling_can_split));
        for link in plan.links.iter().filter(|link| link.successor == id) {
            xml.open("PredecessorLink");
            xml.element(
                "PredecessorUID",
                &project.tasks[link.predecessor.index()].uid.to_string(),
            );
            let kind = match link.kind {
                LinkType::FinishToFinish => 0,
                LinkType::FinishToStart => 1,
                LinkType::StartToFinish => 2,
                LinkType::StartToStart => 3,
            };
            xml.element("Type", &kind.to_string());
            xml.element("CrossProject", "0");
            let (lag, format) = lag_code(link.lag, plan.durations.minutes_per_day);
            xml.element("LinkLag", &lag.to_string());
            xml.element("LagFormat", &format.to_string());
            xml.close("PredecessorLink");
        }
        for baseline in &info.baselines {
            xml.open("Baseline");
            xml.element("Number", &baseline.number.to_string());
            optional_date(&mut xml, "Start", baseline.start);
            optional_date(&mut xml, "Finish", baseline.finish);
            if let Some(minutes) = baseline.duration_minutes {
                xml.element("Duration", &iso_duration(minutes));
            }
            if let Some(minutes) = baseline.work_minutes {
                xml.element("Work", &iso_duration(minutes));
            }
            if let Some(cost) = baseline.cost {
                xml.element("Cost", &format_number(cost));
            }
            xml.close("Baseline");
        }
        xml.close("Task");
    }
    xml.close("Tasks");

    xml.open("Resources");
    for (index, (resource, info)) in plan.resources.iter().zip(&project.resources).enumerate() {
        xml.open("Resource");
        xml.element("UID", &info.uid.to_string());
        xml.element("ID", &(index + 1).to_string());
        xml.element("Name", &resource.name);
        let kind = match resource.kind {
            ResourceKind::Material => "0",
            ResourceKind::Work => "1",
            ResourceKind::Cost => "2",
        };
        xml.element("Type", kind);
        xml.element("IsNull", "0");
        if let Some(initials) = &resource.initials {
            xml.element("Initials", initials);
        }
        if let Some(group) = &resource.group {
            xml.element("Group", group);
        }
        if let Some(email) = &resource.email {
            xml.element("EmailAddress", email);
        }
        xml.element("MaxUnits", &format_number(resource.max_units));
        xml.element("StandardRate", &format_number(resource.standard_rate));
        xml.element("OvertimeRate", &format_number(resource.overtime_rate));
        xml.element("CostPerUse", &format_number(resource.cost_per_use));
        if let Some(calendar) = resource.calendar {
            xml.element(
                "CalendarUID",
                &project.calendars[calendar.index()].uid.to_string(),
            );
        }
        if !resource.availability.is_empty() {
            // MS Project reads its availability table as the only time the resource works, so
            // the table covers all time: the plan's periods, and its maximum units elsewhere.
            let rows = super::availability_with_gaps_closed(
                resource.availability.clone(),
                resource.max_units,
            );
            xml.open("AvailabilityPeriods");
            for period in &rows {
                xml.open("AvailabilityPeriod");
                optional_date(&mut xml, "AvailableFrom", period.from);
                optional_date(&mut xml, "AvailableTo", period.to);
                xml.element("AvailableUnits", &format_number(period.units));
                xml.close("AvailabilityPeriod");
            }
            xml.close("AvailabilityPeriods");
        }
        xml.close("Resource");
    }
    xml.close("Resources");

    xml.open("Assignments");
    for (assignment, info) in plan.assignments.iter().zip(&project.assignments) {
        xml.open("Assignment");
        xml.element("UID", &info.uid.to_string());
        xml.element(
            "TaskUID",
            &project.tasks[assignment.task.index()].uid.to_string(),
        );
        xml.element(
            "ResourceUID",
            &project.resources[assignment.resource.index()]
                .uid
                .to_string(),
        );
        xml.element("ActualWork", &iso_duration(info.actual_work_minutes));
        optional_date(&mut xml, "Finish", info.finish);
        if let Some(minutes) = info.remaining_work_minutes {
            xml.element("RemainingWork", &iso_duration(minutes));
        }
        optional_date(&mut xml, "Start", info.start);
        xml.element("Units", &format_number(assignment.units));
        // Work as stated, or the units over the task's duration.
        let work = assignment.work.unwrap_or_else(|| {
            (assignment.units * plan.tasks[assignment.task.index()].duration.minutes as f64).round()
                as i64
        });
        xml.element("Work", &iso_duration(work));
        xml.element("WorkContour", &info.contour.to_string());
        for period in &info.timephased {
            xml.open("TimephasedData");
            xml.element("Type", &period.kind.to_string());
            xml.element("UID", &info.uid.to_string());
            xml.element("Start", &date(period.start));
            xml.element("Finish", &date(period.finish));
            xml.element("Unit", "2");
            if let Some(minutes) = period.minutes {
                xml.element("Value", &iso_duration(minutes));
            }
            xml.close("TimephasedData");
        }
        xml.close("Assignment");
    }
    xml.close("Assignments");
    xml.close("Project");
    xml.text
}

/// A calendar with its chain of base calendars folded in: each week day from the nearest calendar
/// that defines it, and the base calendars' exceptions on the days its own leave free.
fn flatten(calendars: &[CalendarDef], index: usize) -> CalendarDef {
    let mut result = calendars[index].clone();
    let mut taken: Vec<(jiff::civil::Date, jiff::civil::Date)> = result
        .exceptions
        .iter()
        .map(|exception| (exception.from, exception.to))
        .collect();
    let mut base = result.base;
    while let Some(id) = base {
        let def = &calendars[id.index()];
        for (day, shifts) in result.week.iter_mut().zip(&def.week) {
            if day.is_none() {
                day.clone_from(shifts);
            }
        }
        for exception in &def.exceptions {
            // The parts of the base's exception that no exception already holds.
            let mut pieces = vec![(exception.from, exception.to)];
            for &(from, to) in &taken {
                pieces = pieces
                    .into_iter()
                    .flat_map(|(start, end)| {
                        let mut kept = Vec::new();
                        if end < from || start > to {
                            kept.push((start, end));
                        } else {
                            if start < from
                                && let Ok(before) = from.yesterday()
                            {
                                kept.push((start, before));
                            }
                            if end > to
                                && let Ok(after) = to.tomorrow()
                            {
                                kept.push((after, end));
                            }
                        }
                        kept
                    })
                    .collect();
            }
            for (from, to) in pieces {
                taken.push((from, to));
                result.exceptions.push(CalendarException {
                    name: exception.name.clone(),
                    from,
                    to,
                    shifts: exception.shifts.clone(),
                });
            }
        }
        base = def.base;
    }
    for day in &mut result.week {
        if day.is_none() {
            *day = Some(Vec::new());
        }
    }
    result.exceptions.sort_by_key(|exception| exception.from);
    result.base = None;
    result
}

/// An XML document written by hand: elements are opened and closed in order, text is escaped.
#[derive(Default)]
struct Xml {
    text: String,
    depth: usize,
}

impl Xml {
    fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
    }

    /// Opens an element; `tag` may carry attributes.
    fn open(&mut self, tag: &str) {
        self.indent();
        let _ = writeln!(self.text, "<{tag}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.text, "</{name}>");
    }

    fn element(&mut self, name: &str, value: &str) {
        self.indent();
        let _ = write!(self.text, "<{name}>");
        escape_into(&mut self.text, value);
        let _ = writeln!(self.text, "</{name}>");
    }
}

fn escape_into(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => out.push(c),
        }
    }
}

fn flag(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

fn date(datetime: DateTime) -> String {
    datetime.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn optional_date(xml: &mut Xml, name: &str, value: Option<DateTime>) {
    if let Some(value) = value {
        xml.element(name, &date(value));
    }
}

fn stored_dates(xml: &mut Xml, stored: &StoredDates, with_dates: bool) {
    if !with_dates {
        optional_date(xml, "Start", stored.start);
        optional_date(xml, "Finish", stored.finish);
        return;
    }
    if let Some(critical) = stored.critical {
        xml.element("Critical", flag(critical));
    }
    optional_date(xml, "EarlyStart", stored.early_start);
    optional_date(xml, "EarlyFinish", stored.early_finish);
    optional_date(xml, "LateStart", stored.late_start);
    optional_date(xml, "LateFinish", stored.late_finish);
    if let Some(slack) = stored.free_slack_tenths {
        xml.element("FreeSlack", &slack.to_string());
    }
    if let Some(slack) = stored.total_slack_tenths {
        xml.element("TotalSlack", &slack.to_string());
    }
}

fn working_times(xml: &mut Xml, shifts: &[Shift]) {
    xml.element("DayWorking", flag(!shifts.is_empty()));
    if shifts.is_empty() {
        return;
    }
    xml.open("WorkingTimes");
    for shift in shifts {
        xml.open("WorkingTime");
        xml.element("FromTime", &time_of_day(shift.start));
        xml.element("ToTime", &time_of_day(shift.end));
        xml.close("WorkingTime");
    }
    xml.close("WorkingTimes");
}

/// Minutes after midnight as `hh:mm:00`; the end of the day (24:00) is written `00:00:00`, as
/// MS Project does.
fn time_of_day(minutes: u16) -> String {
    let minutes = minutes % (24 * 60);
    format!("{:02}:{:02}:00", minutes / 60, minutes % 60)
}

/// Minutes as an ISO-8601 duration in MS Project's form (`PT8H0M0S`).
fn iso_duration(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let minutes = minutes.abs();
    format!("{sign}PT{}H{}M0S", minutes / 60, minutes % 60)
}

/// The display unit MS Project shows a duration in: days when whole days, else hours.
fn duration_format(duration: Duration, minutes_per_day: i64) -> i64 {
    match (
        duration.elapsed,
        duration.minutes % minutes_per_day.max(1) == 0,
    ) {
        (false, true) => 7,
        (false, false) => 5,
        (true, _) if duration.minutes % (24 * 60) == 0 => 8,
        (true, _) => 6,
    }
}

/// A lag as `LinkLag` (tenths of a minute; whole percent for percent lags) and `LagFormat`.
fn lag_code(lag: Lag, minutes_per_day: i64) -> (i64, i64) {
    match lag {
        Lag::None => (0, 7),
        Lag::Working(minutes) => (
            minutes * 10,
            if minutes % minutes_per_day.max(1) == 0 {
                7
            } else {
                5
            },
        ),
        Lag::Elapsed(minutes) => (minutes * 10, if minutes % (24 * 60) == 0 { 8 } else { 6 }),
        Lag::Percent(percent) => (percent.round() as i64, 19),
    }
}

/// MSPDI's constraint type code and date.
fn constraint_code(constraint: Constraint) -> (i64, Option<DateTime>) {
    match constraint {
        Constraint::AsSoonAsPossible => (0, None),
        Constraint::AsLateAsPossible => (1, None),
        Constraint::MustStartOn(date) => (2, Some(date)),
        Constraint::MustFinishOn(date) => (3, Some(date)),
        Constraint::StartNoEarlierThan(date) => (4, Some(date)),
        Constraint::StartNoLaterThan(date) => (5, Some(date)),
        Constraint::FinishNoEarlierThan(date) => (6, Some(date)),
        Constraint::FinishNoLaterThan(date) => (7, Some(date)),
    }
}

/// A number without a needless fraction (`1`, `0.5`, `37.25`).
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}
