//! Writes a [`Plan`] as a plan file that [`super::parse_plan`] reads back to the same plan.

use std::collections::HashMap;
use std::fmt::Write as _;

use gantry_core::model::{
    Assignment, CalendarDef, CalendarException, Constraint, Link, Plan, Resource, ResourceKind,
    Shift, Split, Task, TaskType,
};
use gantry_core::risk::{Delay, Distribution, RiskModel, ThreePoint};
use jiff::civil::{DateTime, Time};

mod control;

use super::values::{
    WEEKDAY_KEYS, WEEKDAY_SHORT, format_duration, format_lag, format_number, format_shift,
    format_units, text_datetime, toml_datetime,
};

/// Writes a plan as TOML in the plan file format.
///
/// `parse_plan(write_plan(plan)).plan == plan` for every plan the format can express: tasks in
/// WBS order with each subtree contiguous, task keys made of `[A-Za-z0-9_.-]`, links grouped by
/// successor in WBS order, calendar exceptions sorted by first day, summary tasks with the default
/// duration of one day, and durations in whole minutes. Calendars get ids made from their names
/// ("Night shift" → `night-shift`); a plan whose only calendar is the built-in standard one is
/// written without a `[calendars]` section.
pub fn write_plan(plan: &Plan) -> String {
    write_plan_file(plan, &RiskModel::default())
}

/// Writes a plan with its risk model: the estimates on their tasks, then the `[[risk]]` and
/// `[[correlation]]` tables. `parse_plan(write_plan_file(plan, risk))` gives back the plan and
/// the risk model wherever [`write_plan`] gives back the plan, for the risk models the format
/// can express (estimates on leaf tasks, delays in whole minutes).
pub fn write_plan_file(plan: &Plan, risk: &RiskModel) -> String {
    let mut out = String::new();
    let calendar_ids = calendar_ids(plan);
    let only_standard = plan.calendars.len() == 1 && plan.calendars[0] == CalendarDef::standard();

    out.push_str("[project]\n");
    line(&mut out, 0, "name", &quote(&plan.name));
    line(&mut out, 0, "start", &start_value(plan.start));
    if let Some(status_date) = plan.status_date {
        line(&mut out, 0, "status_date", &finish_value(status_date));
    }
    if let Some(id) = calendar_ids.get(plan.calendar.index())
        && id != "standard"
    {
        line(&mut out, 0, "calendar", &quote(id));
    }
    if let Some(zone) = &plan.time_zone {
        line(&mut out, 0, "time_zone", &quote(zone));
    }
    let defaults = gantry_core::model::DurationSettings::default();
    if plan.durations.minutes_per_day != defaults.minutes_per_day {
        line(
            &mut out,
            0,
            "hours_per_day",
            &format_number(plan.durations.minutes_per_day as f64 / 60.0),
        );
    }
    if plan.durations.minutes_per_week != defaults.minutes_per_week {
        line(
            &mut out,
            0,
            "hours_per_week",
            &format_number(plan.durations.minutes_per_week as f64 / 60.0),
        );
    }
    if plan.durations.days_per_month != defaults.days_per_month {
        line(
            &mut out,
            0,
            "days_per_month",
            &plan.durations.days_per_month.to_string(),
        );
    }

    if !only_standard {
        for (index, calendar) in plan.calendars.iter().enumerate() {
            write_calendar(&mut out, &calendar_ids[index], calendar, &calendar_ids);
        }
    }

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); plan.tasks.len()];
    let mut roots = Vec::new();
    for (index, task) in plan.tasks.iter().enumerate() {
        match task.parent {
            Some(parent) if parent.index() < plan.tasks.len() => {
                children[parent.index()].push(index)
            }
            _ => roots.push(index),
        }
    }
    let mut links_of: Vec<Vec<&Link>> = vec![Vec::new(); plan.tasks.len()];
    for link in &plan.links {
        if let Some(list) = links_of.get_mut(link.successor.index()) {
            list.push(link);
        }
    }
    for resource in &plan.resources {
        write_resource(&mut out, resource, &calendar_ids);
    }
    let mut assignments_of: Vec<Vec<&Assignment>> = vec![Vec::new(); plan.tasks.len()];
    for assignment in &plan.assignments {
        if let Some(list) = assignments_of.get_mut(assignment.task.index()) {
            list.push(assignment);
        }
    }
    // Each task's splits in order of the work before them, two at one point written as one.
    let mut splits_of: Vec<Vec<Split>> = vec![Vec::new(); plan.tasks.len()];
    for split in &plan.splits {
        if let Some(list) = splits_of.get_mut(split.task.index()) {
            match list.iter_mut().find(|known| known.after == split.after) {
                Some(known) => known.gap += split.gap,
                None => list.push(*split),
            }
        }
    }
    for list in &mut splits_of {
        list.sort_by_key(|split| split.after);
    }
    let mut estimate_of: Vec<Option<&ThreePoint>> = vec![None; plan.tasks.len()];
    for estimate in &risk.estimates {
        if let Some(slot) = estimate_of.get_mut(estimate.task.index()) {
            *slot = Some(&estimate.duration);
        }
    }
    let writer = TaskWriter {
        plan,
        estimate_of: &estimate_of,
        children: &children,
        links_of: &links_of,
        assignments_of: &assignments_of,
        splits_of: &splits_of,
        calendar_ids: &calendar_ids,
    };
    for root in roots {
        writer.write(&mut out, root, 0);
    }
    control::write_control(&mut out, plan);
    write_risks(&mut out, plan, risk);
    out
}

/// A three-point table: `{ min = "4d", likely = "5d", max = "9d", distribution = "pert" }`.
fn three_point_text(three_point: &ThreePoint, plan: &Plan) -> String {
    let duration = |minutes| {
        quote(&format_duration(
            gantry_core::model::Duration::working(minutes),
            &plan.durations,
        ))
    };
    let distribution = match three_point.distribution {
        Distribution::Triangular => String::new(),
        other => format!(", distribution = {}", quote(other.code())),
    };
    format!(
        "{{ min = {}, likely = {}, max = {}{distribution} }}",
        duration(three_point.min),
        duration(three_point.likely),
        duration(three_point.max)
    )
}

fn task_keys(plan: &Plan, tasks: &[gantry_core::model::TaskId]) -> String {
    let keys: Vec<String> = tasks
        .iter()
        .filter_map(|task| plan.tasks.get(task.index()))
        .map(|task| quote(&task.key))
        .collect();
    format!("[{}]", keys.join(", "))
}

fn write_risks(out: &mut String, plan: &Plan, risk: &RiskModel) {
    for event in &risk.risks {
        out.push_str("\n[[risk]]\n");
        line(out, 0, "id", &quote(&event.id));
        if event.name != event.id {
            line(out, 0, "name", &quote(&event.name));
        }
        line(out, 0, "probability", &format_number(event.probability));
        if !event.tasks.is_empty() {
            line(out, 0, "tasks", &task_keys(plan, &event.tasks));
        }
        match event.delay {
            Delay::Fixed(0) => {}
            Delay::Fixed(minutes) => line(
                out,
                0,
                "delay",
                &quote(&format_duration(
                    gantry_core::model::Duration::working(minutes),
                    &plan.durations,
                )),
            ),
            Delay::Uncertain(three_point) => {
                line(out, 0, "delay", &three_point_text(&three_point, plan));
            }
        }
        if event.cost != 0.0 {
            line(out, 0, "cost", &format_number(event.cost));
        }
    }
    for group in &risk.correlations {
        out.push_str("\n[[correlation]]\n");
        line(out, 0, "name", &quote(&group.name));
        line(out, 0, "tasks", &task_keys(plan, &group.tasks));
        line(out, 0, "coefficient", &format_number(group.coefficient));
    }
}

struct TaskWriter<'p> {
    plan: &'p Plan,
    estimate_of: &'p [Option<&'p ThreePoint>],
    children: &'p [Vec<usize>],
    links_of: &'p [Vec<&'p Link>],
    assignments_of: &'p [Vec<&'p Assignment>],
    splits_of: &'p [Vec<Split>],
    calendar_ids: &'p [String],
}

impl TaskWriter<'_> {
    /// When every person or machine on task `index` has its work stated: the duration that work
    /// takes at their units (the longest assignment), as the plan-file reader derives it.
    fn stated_work_duration(&self, index: usize) -> Option<i64> {
        let mut people = self.assignments_of[index]
            .iter()
            .filter(|assignment| {
                self.plan.resources[assignment.resource.index()].kind == ResourceKind::Work
            })
            .peekable();
        people.peek()?;
        let mut longest = 0;
        for assignment in people {
            let work = assignment.work?;
            if assignment.units > 0.0 {
                longest = longest.max((work as f64 / assignment.units).round() as i64);
            }
        }
        Some(longest)
    }

    /// Writes task `index` at nesting `depth`, then its subtasks one level deeper.
    fn write(&self, out: &mut String, index: usize, depth: usize) {
        let task: &Task = &self.plan.tasks[index];
        let settings = &self.plan.durations;
        let is_summary = !self.children[index].is_empty();
        let indent = "  ".repeat(depth);
        let _ = writeln!(out, "\n{indent}[[{}]]", vec!["task"; depth + 1].join("."));
        line(out, depth, "id", &quote(&task.key));
        if task.name != task.key {
            line(out, depth, "name", &quote(&task.name));
        }
        let default_minutes = if task.milestone {
            0
        } else {
            settings.minutes_per_day
        };
        // With work stated on every person, a fixed-units task whose duration is the work over
        // the units (and any fixed-work task) leaves the duration to be derived; a
        // fixed-duration task always states it, since the work is spread over it.
        let stated_work = self.stated_work_duration(index);
        let write_duration = match (stated_work, task.task_type) {
            (Some(_), TaskType::FixedWork) => false,
            (Some(_), TaskType::FixedDuration) => true,
            (Some(derived), TaskType::FixedUnits) => {
                task.duration.elapsed || task.duration.minutes != derived
            }
            (None, _) => task.duration.minutes != default_minutes || task.duration.elapsed,
        };
        if !is_summary && write_duration {
            line(
                out,
                depth,
                "duration",
                &quote(&format_duration(task.duration, settings)),
            );
        }
        if task.milestone {
            line(out, depth, "milestone", "true");
        }
        if !is_summary && task.task_type != TaskType::FixedUnits {
            line(out, depth, "type", &quote(task.task_type.code()));
        }
        if !is_summary && task.effort_driven && task.task_type != TaskType::FixedWork {
            line(out, depth, "effort_driven", "true");
        }
        if let Some(calendar) = task.calendar
            && let Some(id) = self.calendar_ids.get(calendar.index())
        {
            line(out, depth, "calendar", &quote(id));
        }
        if let Some(text) = constraint_text(task.constraint) {
            line(out, depth, "constraint", &quote(&text));
        }
        if let Some(deadline) = task.deadline {
            line(out, depth, "deadline", &finish_value(deadline));
        }
        if task.priority != 500 {
            line(out, depth, "priority", &task.priority.to_string());
        }
        let links = &self.links_of[index];
        if !links.is_empty() {
            let items: Vec<String> = links
                .iter()
                .map(|link| quote(&self.link_text(link)))
                .collect();
            line(out, depth, "after", &format!("[{}]", items.join(", ")));
        }
        let assignments = &self.assignments_of[index];
        if !assignments.is_empty() {
            let items: Vec<String> = assignments
                .iter()
                .map(|assignment| {
                    let key = &self.plan.resources[assignment.resource.index()].key;
                    if assignment.units == 1.0 {
                        quote(key)
                    } else {
                        quote(&format!("{key} {}", format_units(assignment.units)))
                    }
                })
                .collect();
            line(out, depth, "resources", &format!("[{}]", items.join(", ")));
            // Work is stated when every person or machine on the task has it (materials and
            // costs are quantities).
            let mut people = assignments
                .iter()
                .filter(|assignment| {
                    self.plan.resources[assignment.resource.index()].kind == ResourceKind::Work
                })
                .peekable();
            if people.peek().is_some() && people.all(|assignment| assignment.work.is_some()) {
                let work: i64 = assignments.iter().filter_map(|a| a.work).sum();
                line(
                    out,
                    depth,
                    "work",
                    &quote(&format_duration(
                        gantry_core::model::Duration::working(work),
                        settings,
                    )),
                );
            }
        }
        let progress = &task.progress;
        if let Some(actual_start) = progress.actual_start {
            line(out, depth, "actual_start", &start_value(actual_start));
        }
        if let Some(actual_finish) = progress.actual_finish {
            line(out, depth, "actual_finish", &finish_value(actual_finish));
        }
        if progress.percent_complete != 0.0 {
            line(
                out,
                depth,
                "percent_complete",
                &format_number(progress.percent_complete),
            );
        }
        if let Some(remaining) = progress.remaining {
            line(
                out,
                depth,
                "remaining",
                &quote(&format_duration(remaining, settings)),
            );
        }
        if let Some(resume) = progress.resume.as_deref() {
            line(out, depth, "resume", &start_value(*resume));
        }
        if !is_summary && task.leveling_can_split {
            line(out, depth, "level_split", "true");
        }
        let splits = &self.splits_of[index];
        if !splits.is_empty() {
            let working = gantry_core::model::Duration::working;
            let items: Vec<String> = splits
                .iter()
                .map(|split| {
                    format!(
                        "{{ after = {}, gap = {} }}",
                        quote(&format_duration(working(split.after), settings)),
                        quote(&format_duration(working(split.gap), settings))
                    )
                })
                .collect();
            line(out, depth, "splits", &format!("[{}]", items.join(", ")));
        }
        control::write_task_costs(out, self.plan, index, depth);
        if let Some(Some(estimate)) = self.estimate_of.get(index) {
            line(
                out,
                depth,
                "estimate",
                &three_point_text(estimate, self.plan),
            );
        }
        for &child in &self.children[index] {
            self.write(out, child, depth + 1);
        }
    }

    /// "design", "design SS", "design FF-1d".
    fn link_text(&self, link: &Link) -> String {
        let key = self
            .plan
            .tasks
            .get(link.predecessor.index())
            .map_or("?", |task| task.key.as_str());
        let lag = format_lag(link.lag, &self.plan.durations);
        if link.kind == gantry_core::model::LinkType::FinishToStart && lag.is_empty() {
            key.to_string()
        } else {
            format!("{key} {}{lag}", link.kind.code())
        }
    }
}

fn write_resource(out: &mut String, resource: &Resource, calendar_ids: &[String]) {
    let _ = writeln!(out, "\n[resources.{}]", resource.key);
    if resource.name != resource.key {
        line(out, 0, "name", &quote(&resource.name));
    }
    if resource.kind != ResourceKind::Work {
        line(out, 0, "kind", &quote(resource.kind.code()));
    }
    if resource.max_units != 1.0 {
        line(out, 0, "units", &quote(&format_units(resource.max_units)));
    }
    if let Some(calendar) = resource.calendar
        && let Some(id) = calendar_ids.get(calendar.index())
    {
        line(out, 0, "calendar", &quote(id));
    }
    for (key, value) in [
        ("rate", resource.standard_rate),
        ("overtime_rate", resource.overtime_rate),
        ("cost_per_use", resource.cost_per_use),
    ] {
        if value != 0.0 {
            line(out, 0, key, &format_number(value));
        }
    }
    for (key, value) in [
        ("group", &resource.group),
        ("initials", &resource.initials),
        ("email", &resource.email),
    ] {
        if let Some(value) = value {
            line(out, 0, key, &quote(value));
        }
    }
    if !resource.availability.is_empty() {
        let periods: Vec<String> = resource
            .availability
            .iter()
            .map(|period| {
                let mut fields = Vec::new();
                if let Some(from) = period.from {
                    fields.push(format!("from = {}", start_value(from)));
                }
                if let Some(to) = period.to {
                    fields.push(format!("to = {}", finish_value(to)));
                }
                fields.push(format!("units = {}", quote(&format_units(period.units))));
                format!("  {{ {} }},", fields.join(", "))
            })
            .collect();
        let _ = writeln!(out, "availability = [\n{}\n]", periods.join("\n"));
    }
}

fn write_calendar(out: &mut String, id: &str, calendar: &CalendarDef, calendar_ids: &[String]) {
    let _ = writeln!(out, "\n[calendars.{id}]");
    if calendar.name != id {
        line(out, 0, "name", &quote(&calendar.name));
    }
    if let Some(base) = calendar.base
        && let Some(base_id) = calendar_ids.get(base.index())
    {
        line(out, 0, "base", &quote(base_id));
    }
    write_week(out, &calendar.week);
    let (holidays, exceptions): (Vec<&CalendarException>, Vec<&CalendarException>) = calendar
        .exceptions
        .iter()
        .partition(|exception| exception.shifts.is_empty());
    if !holidays.is_empty() {
        out.push_str("holidays = [\n");
        for holiday in holidays {
            let entry = if holiday.from == holiday.to && holiday.name.is_empty() {
                holiday.from.to_string()
            } else {
                day_table(holiday)
            };
            let _ = writeln!(out, "  {entry},");
        }
        out.push_str("]\n");
    }
    if !exceptions.is_empty() {
        out.push_str("exceptions = [\n");
        for exception in exceptions {
            let _ = writeln!(out, "  {},", day_table(exception));
        }
        out.push_str("]\n");
    }
}

/// `workdays` and `hours` for the most common working day, per-day keys for the other days.
fn write_week(out: &mut String, week: &[Option<Vec<Shift>>; 7]) {
    let all_given = week.iter().all(Option::is_some);
    if !all_given {
        for (weekday, shifts) in week.iter().enumerate() {
            if let Some(shifts) = shifts {
                line(out, 0, WEEKDAY_KEYS[weekday], &shift_list(shifts));
            }
        }
        return;
    }
    let days: Vec<&Vec<Shift>> = week.iter().flatten().collect();
    let working: Vec<usize> = (0..7)
        .filter(|&weekday| !days[weekday].is_empty())
        .collect();
    // The pattern most working days share (the first of equals), written once as `hours`.
    let common = working
        .iter()
        .map(|&weekday| days[weekday])
        .max_by_key(|pattern| {
            let count = working
                .iter()
                .filter(|&&weekday| days[weekday] == *pattern)
                .count();
            let first = working
                .iter()
                .position(|&weekday| days[weekday] == *pattern)
                .unwrap_or(0);
            (count, std::cmp::Reverse(first))
        });
    let workdays: Vec<String> = working
        .iter()
        .map(|&weekday| quote(WEEKDAY_SHORT[weekday]))
        .collect();
    line(out, 0, "workdays", &format!("[{}]", workdays.join(", ")));
    if let Some(common) = common {
        line(out, 0, "hours", &shift_list(common));
        for &weekday in &working {
            if days[weekday] != common {
                line(out, 0, WEEKDAY_KEYS[weekday], &shift_list(days[weekday]));
            }
        }
    }
}

fn shift_list(shifts: &[Shift]) -> String {
    let items: Vec<String> = shifts
        .iter()
        .map(|shift| quote(&format_shift(*shift)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// `{ date = …, name = … }` or `{ from = …, to = …, hours = […], name = … }`.
fn day_table(exception: &CalendarException) -> String {
    let mut parts = Vec::new();
    if exception.from == exception.to {
        parts.push(format!("date = {}", exception.from));
    } else {
        parts.push(format!("from = {}", exception.from));
        parts.push(format!("to = {}", exception.to));
    }
    if !exception.shifts.is_empty() {
        parts.push(format!("hours = {}", shift_list(&exception.shifts)));
    }
    if !exception.name.is_empty() {
        parts.push(format!("name = {}", quote(&exception.name)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn constraint_text(constraint: Constraint) -> Option<String> {
    if constraint == Constraint::AsLateAsPossible {
        return Some("ALAP".to_string());
    }
    let date = constraint.date()?;
    let text = match constraint {
        Constraint::StartNoEarlierThan(_)
        | Constraint::StartNoLaterThan(_)
        | Constraint::MustStartOn(_) => {
            if date.time() == Time::midnight() {
                date.date().to_string()
            } else {
                text_datetime(date)
            }
        }
        _ => match finish_date(date) {
            Some(day) => day,
            None => text_datetime(date),
        },
    };
    Some(format!("{} {text}", constraint.code()))
}

/// Ids for the calendars made from their names, unique within the plan.
fn calendar_ids(plan: &Plan) -> Vec<String> {
    let mut used: HashMap<String, usize> = HashMap::new();
    plan.calendars
        .iter()
        .map(|calendar| {
            let mut slug = String::new();
            for character in calendar.name.chars() {
                if character.is_ascii_alphanumeric() || character == '_' {
                    slug.push(character.to_ascii_lowercase());
                } else if !slug.ends_with('-') && !slug.is_empty() {
                    slug.push('-');
                }
            }
            let slug = slug.trim_end_matches('-').to_string();
            let slug = if slug.is_empty() {
                "calendar".to_string()
            } else {
                slug
            };
            let count = used.entry(slug.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                slug
            } else {
                format!("{slug}-{count}")
            }
        })
        .collect()
}

/// A start-type date-time: a date alone at midnight.
fn start_value(datetime: DateTime) -> String {
    if datetime.time() == Time::midnight() {
        datetime.date().to_string()
    } else {
        toml_datetime(datetime)
    }
}

/// A finish-type date-time: midnight is the end of the day before, written as that date alone.
fn finish_value(datetime: DateTime) -> String {
    finish_date(datetime).unwrap_or_else(|| toml_datetime(datetime))
}

fn finish_date(datetime: DateTime) -> Option<String> {
    if datetime.time() != Time::midnight() {
        return None;
    }
    datetime.date().yesterday().ok().map(|day| day.to_string())
}

fn line(out: &mut String, depth: usize, key: &str, value: &str) {
    let _ = writeln!(out, "{}{key} = {value}", "  ".repeat(depth));
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            character if character.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(character));
            }
            character => quoted.push(character),
        }
    }
    quoted.push('"');
    quoted
}
