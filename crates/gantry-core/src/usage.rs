//! Resource usage: how much work each resource has in each period of a schedule, how much it can
//! give, and when it is over-allocated (booked for more units than it has at that moment).
//!
//! A work resource assigned at `units` to a task works `units` for every working minute of the
//! task between its scheduled start and finish (on the task's calendar), except in the pauses of
//! a split task. It is over-allocated
//! while the units of its tasks running at once exceed its maximum units at that moment (its
//! `max_units`, or an availability period's), in time it works (its own calendar). Material and
//! cost resources have quantities, not time, and are never over-allocated.

use std::sync::Arc;

use crate::calendar::{CalendarError, WorkingCalendar};
use crate::cpm::Schedule;
use crate::model::{CalendarId, Plan, ResourceId, ResourceKind, TaskId};
use crate::split::{CalendarCache, SplitWindows};
use crate::time::{Instant, MINUTES_PER_DAY};

/// The length of the periods usage is reported by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// Calendar days.
    Day,
    /// Weeks from Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

/// One resource's usage.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceUsage {
    /// The resource.
    pub resource: ResourceId,
    /// Its load period by period, from the project's start to its finish.
    pub periods: Vec<PeriodLoad>,
    /// Every stretch of time in which it is booked beyond its units.
    pub over_allocations: Vec<OverAllocation>,
}

/// Work and capacity of a resource in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodLoad {
    /// First minute of the period.
    pub start: Instant,
    /// The minute after the period.
    pub end: Instant,
    /// Work assigned in the period, in minutes (quantities for material resources).
    pub work_minutes: f64,
    /// What the resource can give in the period: its units over its working minutes.
    pub available_minutes: f64,
    /// The most units booked at one moment of the period.
    pub peak_units: f64,
    /// Whether it is over-allocated at some moment of the period.
    pub over_allocated: bool,
}

/// A stretch of time in which a resource is booked beyond its units.
#[derive(Clone, Debug, PartialEq)]
pub struct OverAllocation {
    /// Start of the stretch.
    pub from: Instant,
    /// End of the stretch.
    pub to: Instant,
    /// The most units booked at once in the stretch.
    pub units: f64,
    /// The units the resource has then.
    pub max_units: f64,
    /// The tasks it works on in the stretch.
    pub tasks: Vec<TaskId>,
}

/// Units are compared with this tolerance, so that three tasks at a third each fit in 100%.
const EPSILON: f64 = 1e-9;

/// The usage of every resource of `plan` under `schedule`, by `period`.
pub fn resource_usage(
    plan: &Plan,
    schedule: &Schedule,
    period: Period,
) -> Result<Vec<ResourceUsage>, CalendarError> {
    resource_usage_cached(plan, schedule, Some(period), &mut CalendarCache::new())
}

/// [`resource_usage`] with the calendars from `cache`; without a period, only the
/// over-allocations (`periods` left empty), which is all resource leveling looks at.
pub fn resource_usage_cached(
    plan: &Plan,
    schedule: &Schedule,
    period: Option<Period>,
    cache: &mut CalendarCache,
) -> Result<Vec<ResourceUsage>, CalendarError> {
    // Only the calendars that resources and assigned tasks work on.
    cache.sync(plan);
    let mut built: Vec<Option<Arc<WorkingCalendar>>> =
        (0..plan.calendars.len()).map(|_| None).collect();
    let mut needed: Vec<CalendarId> = plan
        .resources
        .iter()
        .map(|resource| resource.calendar.unwrap_or(plan.calendar))
        .collect();
    let scheduling_calendars = plan.scheduling_calendars();
    needed.extend(
        plan.assignments
            .iter()
            .map(|assignment| scheduling_calendars[assignment.task.index()]),
    );
    for id in needed {
        if built[id.index()].is_none() {
            built[id.index()] = Some(cache.get(plan, &[id])?);
        }
    }
    let calendar = |id: CalendarId| -> &WorkingCalendar {
        built[id.index()]
            .as_deref()
            .unwrap_or_else(|| unreachable!("every calendar in use is built above"))
    };
    // A split task works only between its pauses: one booking per stretch.
    let split_windows = SplitWindows::with_cache(plan, cache)?;
    let bounds = period.map_or_else(Vec::new, |period| {
        period_bounds(schedule.project_start, schedule.project_finish, period)
    });
    let mut result = Vec::with_capacity(plan.resources.len());
    for (index, resource) in plan.resources.iter().enumerate() {
        let id = ResourceId(index as u32);
        let resource_calendar = calendar(resource.calendar.unwrap_or(plan.calendar));
        // The resource's bookings: (task, units, start, finish, the task's calendar).
        let mut bookings = Vec::new();
        for assignment in plan.assignments.iter().filter(|a| a.resource == id) {
            let task = schedule.task(assignment.task);
            if task.is_summary || task.finish <= task.start && !task.is_milestone {
                continue;
            }
            // A task with a calendar of its own books its resources on it; otherwise each
            // resource works its own hours within the task's dates (a task for a day worker
            // and a night worker runs in the union of their calendars, each working theirs).
            let task_calendar = if plan.task(assignment.task).calendar.is_some() {
                calendar(scheduling_calendars[assignment.task.index()])
            } else {
                resource_calendar
            };
            // Quantities are used once, at the start, whatever the pauses.
            if resource.kind != ResourceKind::Work || !split_windows.pauses(assignment.task) {
                bookings.push((
                    assignment.task,
                    assignment.units,
                    task.start,
                    task.finish,
                    task_calendar,
                ));
            } else {
                for (from, to) in split_windows.windows(assignment.task, task.start, task.finish) {
                    bookings.push((assignment.task, assignment.units, from, to, task_calendar));
                }
            }
        }

        let mut periods = Vec::with_capacity(bounds.len().saturating_sub(1));
        for window in bounds.windows(2) {
            let (start, end) = (window[0], window[1]);
            let work: f64 = match resource.kind {
                ResourceKind::Work => bookings
                    .iter()
                    .map(|(_, units, from, to, task_calendar)| {
                        let (from, to) = ((*from).max(start), (*to).min(end));
                        if to <= from {
                            0.0
                        } else {
                            units * task_calendar.working_minutes_between(from, to) as f64
                        }
                    })
                    .sum(),
                // Quantities are used when the task starts.
                ResourceKind::Material | ResourceKind::Cost => bookings
                    .iter()
                    .filter(|(_, _, from, _, _)| start <= *from && *from < end)
                    .map(|(_, units, ..)| *units)
                    .sum(),
            };
            let available = if resource.kind == ResourceKind::Work {
                capacity_minutes(resource, resource_calendar, start, end)
            } else {
                0.0
            };
            periods.push(PeriodLoad {
                start,
                end,
                work_minutes: work,
                available_minutes: available,
                peak_units: 0.0,
                over_allocated: false,
            });
        }

        // One sweep over the resource's time gives both the over-allocations and the peaks.
        let segments = segments(resource, resource_calendar, &bookings);
        let over_allocations = if resource.kind == ResourceKind::Work {
            over_allocations(resource, resource_calendar, &bookings, &segments)
        } else {
            Vec::new()
        };
        for &(segment_from, segment_to, units, over) in &segments {
            for load in periods
                .iter_mut()
                .filter(|load| load.start < segment_to && segment_from < load.end)
            {
                load.peak_units = load.peak_units.max(units);
                load.over_allocated |= over;
            }
        }
        result.push(ResourceUsage {
            resource: id,
            periods,
            over_allocations,
        });
    }
    Ok(result)
}

type Booking<'c> = (TaskId, f64, Instant, Instant, &'c WorkingCalendar);

/// The resource's time cut where its bookings or its units change: (from, to, units booked,
/// over-allocated), for stretches in which it has working time and some booking, each kept to the
/// resource's working time (from its first to its last working minute in the stretch).
fn segments(
    resource: &crate::model::Resource,
    calendar: &WorkingCalendar,
    bookings: &[Booking<'_>],
) -> Vec<(Instant, Instant, f64, bool)> {
    let mut cuts: Vec<Instant> = bookings
        .iter()
        .flat_map(|(_, _, from, to, _)| [*from, *to])
        .collect();
    for period in &resource.availability {
        cuts.extend(period.from.map(Instant::from_civil));
        cuts.extend(period.to.map(|to| Instant::from_civil(to).plus_minutes(1)));
    }
    cuts.sort_unstable();
    cuts.dedup();
    // A sweep: the bookings running between two cuts are those started at or before the first
    // and not finished by it (both ends are cuts). They are kept in booking order, so that the
    // units add up in the same order however the bookings fall.
    let mut by_start: Vec<usize> = (0..bookings.len()).collect();
    by_start.sort_by_key(|&index| bookings[index].2);
    let mut by_finish = by_start.clone();
    by_finish.sort_by_key(|&index| bookings[index].3);
    let (mut started, mut finished) = (0, 0);
    let mut running: Vec<usize> = Vec::new();
    let mut result = Vec::new();
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        while let Some(&index) = by_start.get(started)
            && bookings[index].2 <= from
        {
            let at = running.partition_point(|&other| other < index);
            running.insert(at, index);
            started += 1;
        }
        while let Some(&index) = by_finish.get(finished)
            && bookings[index].3 <= from
        {
            if let Ok(at) = running.binary_search(&index) {
                running.remove(at);
            }
            finished += 1;
        }
        let units: f64 = running.iter().map(|&index| bookings[index].1).sum();
        if units <= 0.0 || calendar.working_minutes_between(from, to) == 0 {
            continue;
        }
        let max_units = resource.units_at(from.to_civil());
        // Kept to the time the resource works: from its first to its last working minute.
        let start = calendar.next_work_start(from).unwrap_or(from);
        let end = calendar.previous_work_finish(to).unwrap_or(to).max(start);
        result.push((start, end, units, units > max_units + EPSILON));
    }
    result
}

/// Stretches of over-allocation, neighbouring segments with the same tasks merged.
fn over_allocations(
    resource: &crate::model::Resource,
    calendar: &WorkingCalendar,
    bookings: &[Booking<'_>],
    segments: &[(Instant, Instant, f64, bool)],
) -> Vec<OverAllocation> {
    let mut result: Vec<OverAllocation> = Vec::new();
    for &(from, to, units, over) in segments {
        if !over {
            continue;
        }
        let mut tasks: Vec<TaskId> = bookings
            .iter()
            .filter(|(_, _, start, finish, _)| *start < to && from < *finish)
            .map(|(task, ..)| *task)
            .collect();
        tasks.sort_unstable();
        tasks.dedup();
        let max_units = resource.units_at(from.to_civil());
        match result.last_mut() {
            Some(last)
                if last.tasks == tasks && calendar.working_minutes_between(last.to, from) == 0 =>
            {
                last.to = to;
                last.units = last.units.max(units);
                last.max_units = last.max_units.min(max_units);
            }
            _ => result.push(OverAllocation {
                from,
                to,
                units,
                max_units,
                tasks,
            }),
        }
    }
    result
}

/// Units times working minutes of the resource in `[start, end)`, its availability periods
/// taken into account.
fn capacity_minutes(
    resource: &crate::model::Resource,
    calendar: &WorkingCalendar,
    start: Instant,
    end: Instant,
) -> f64 {
    let mut cuts = vec![start, end];
    for period in &resource.availability {
        for cut in [
            period.from.map(Instant::from_civil),
            period.to.map(|to| Instant::from_civil(to).plus_minutes(1)),
        ]
        .into_iter()
        .flatten()
        {
            if start < cut && cut < end {
                cuts.push(cut);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|pair| {
            resource.units_at(pair[0].to_civil())
                * calendar.working_minutes_between(pair[0], pair[1]) as f64
        })
        .sum()
}

/// Period boundaries covering `[start, finish]`: the first is the start of the period holding
/// `start`, the last the end of the period holding `finish`.
pub(crate) fn period_bounds(start: Instant, finish: Instant, period: Period) -> Vec<Instant> {
    let first = match period {
        Period::Day => Instant(start.day_number() * MINUTES_PER_DAY),
        Period::Week => {
            Instant((start.day_number() - start.weekday_index() as i64) * MINUTES_PER_DAY)
        }
        Period::Month => {
            let date = start.to_civil().date().first_of_month();
            Instant::from_date(date)
        }
    };
    let mut bounds = vec![first];
    let mut current = first;
    while current <= finish {
        current = match period {
            Period::Day => current.plus_minutes(MINUTES_PER_DAY),
            Period::Week => current.plus_minutes(7 * MINUTES_PER_DAY),
            Period::Month => {
                let date = current.to_civil().date();
                match date.checked_add(jiff::Span::new().months(1)) {
                    Ok(next) => Instant::from_date(next),
                    Err(_) => break,
                }
            }
        };
        bounds.push(current);
        if bounds.len() > 100_000 {
            break;
        }
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpm::{ScheduleOptions, schedule};
    use crate::model::{Assignment, Availability, Link, LinkType, Resource, Task};

    fn at(text: &str) -> Instant {
        Instant::from_civil(text.parse().expect("a date-time"))
    }

    /// Dana on two overlapping 2-day tasks, then alone on a third; a team of two on all three.
    fn plan() -> Plan {
        let mut plan = Plan::new("usage", "2026-03-02T08:00".parse().expect("date"));
        let mut migrate = Task::new("migrate", "Migrate");
        migrate.duration = crate::model::Duration::working(960);
        let migrate = plan.add_task(migrate);
        let mut backup = Task::new("backup", "Backup");
        backup.duration = crate::model::Duration::working(960);
        let backup = plan.add_task(backup);
        let test = plan.add_task(Task::new("test", "Test"));
        plan.add_link(Link {
            predecessor: migrate,
            successor: test,
            kind: LinkType::FinishToStart,
            lag: crate::model::Lag::None,
        });
        let dana = plan.add_resource(Resource::new("dana", "Dana"));
        let mut team = Resource::new("team", "Team");
        team.max_units = 2.0;
        // The team is down to one person on Wednesday 4 March.
        team.availability.push(Availability {
            from: Some("2026-03-04T00:00".parse().expect("date")),
            to: Some("2026-03-04T23:59".parse().expect("date")),
            units: 1.0,
        });
        let team = plan.add_resource(team);
        for (task, resource) in [
            (migrate, dana),
            (backup, dana),
            (test, dana),
            (migrate, team),
            (backup, team),
            (test, team),
        ] {
            plan.assignments.push(Assignment {
                task,
                resource,
                units: 1.0,
                work: None,
            });
        }
        plan
    }

    #[test]
    fn over_allocation_when_tasks_overlap() {
        let plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let usage = resource_usage(&plan, &computed, Period::Week).expect("usage");
        let dana = &usage[0];
        // Migrate and Backup both run Mon 2 – Tue 3: 200% of Dana's 100%.
        assert_eq!(dana.over_allocations.len(), 1);
        let over = &dana.over_allocations[0];
        assert_eq!(
            (over.from, over.to),
            (at("2026-03-02T08:00"), at("2026-03-03T17:00"))
        );
        assert_eq!((over.units, over.max_units), (2.0, 1.0));
        assert_eq!(over.tasks, [TaskId(0), TaskId(1)]);
        // The week: 16 + 16 + 8 hours of work against 40 available.
        let week = &dana.periods[0];
        assert_eq!(week.work_minutes, 40.0 * 60.0);
        assert_eq!(week.available_minutes, 40.0 * 60.0);
        assert_eq!(week.peak_units, 2.0);
        assert!(week.over_allocated);
    }

    #[test]
    fn availability_periods_lower_the_units() {
        let plan = plan();
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let usage = resource_usage(&plan, &computed, Period::Day).expect("usage");
        let team = &usage[1];
        // Two people: Mon–Tue at 200% is fine; on Wednesday, Test alone at 100% meets the one
        // person left. Nothing is over-allocated.
        assert!(
            team.over_allocations.is_empty(),
            "{:?}",
            team.over_allocations
        );
        let wednesday = team
            .periods
            .iter()
            .find(|load| load.start == at("2026-03-04T00:00"))
            .expect("Wednesday");
        assert_eq!(wednesday.available_minutes, 8.0 * 60.0);
        assert_eq!(wednesday.work_minutes, 8.0 * 60.0);
    }
}
