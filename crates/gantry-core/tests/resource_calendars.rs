//! Tasks scheduled on their resources' calendars, checked against what MS Project computes.
//!
//! MS Project places a task without a calendar of its own on the working time of the resources
//! assigned to it. Two rules follow, both seen in MS Project's own files
//! (`../shared/data/mspdi/mspditimephased.xml` and `mspdiresource.xml`):
//!
//! * the task's slack is still stated in the working time of the task's calendar (the project
//!   calendar), not in the resources' working time;
//! * when its resources follow different calendars, the task works whenever one of them works,
//!   and its duration is counted in that union.
//!
//! Days used below: 2025-03-03 is a Monday.

use gantry_core::Instant;
use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::model::{
    Assignment, CalendarDef, CalendarId, Lag, Link, LinkType, Plan, Resource, ResourceId, Shift,
    Task, TaskId,
};
use gantry_core::usage::{Period, resource_usage};
use jiff::civil::date;

fn at(month: i8, day: i8, hour: i8, minute: i8) -> Instant {
    Instant::from_civil(date(2025, month, day).at(hour, minute, 0, 0))
}

/// MS Project's "Night Shift" base calendar: Monday 23:00 to Saturday 08:00, 8 hours a night
/// with a break from 03:00 to 04:00.
fn night_shift() -> CalendarDef {
    let late = Shift::new(23 * 60, 24 * 60);
    let early = [Shift::new(0, 3 * 60), Shift::new(4 * 60, 8 * 60)];
    let night = || Some(vec![early[0], early[1], late]);
    CalendarDef {
        name: "Night Shift".to_string(),
        base: None,
        week: [
            Some(vec![late]),
            night(),
            night(),
            night(),
            night(),
            Some(early.to_vec()),
            Some(vec![]),
        ],
        exceptions: Vec::new(),
    }
}

fn task(plan: &mut Plan, key: &str, minutes: i64) -> TaskId {
    let mut task = Task::new(key, key);
    task.duration.minutes = minutes;
    plan.add_task(task)
}

fn resource(plan: &mut Plan, key: &str, calendar: Option<CalendarId>) -> ResourceId {
    let mut resource = Resource::new(key, key);
    resource.calendar = calendar;
    plan.add_resource(resource)
}

fn assign(plan: &mut Plan, task: TaskId, resource: ResourceId) {
    plan.assignments.push(Assignment {
        task,
        resource,
        units: 1.0,
        work: None,
    });
}

/// "Cutover", 48 hours from Friday 7 March 08:00 for a day worker (dana, Standard) and a night
/// worker (nina, Night Shift), then "verify", a day for dana.
struct Cutover {
    plan: Plan,
    dana: ResourceId,
    nina: ResourceId,
    cutover: TaskId,
    verify: TaskId,
}

fn cutover_plan() -> Cutover {
    let mut plan = Plan::new("cutover", date(2025, 3, 7).at(8, 0, 0, 0));
    let night = plan.add_calendar(night_shift());
    let dana = resource(&mut plan, "dana", None);
    let nina = resource(&mut plan, "nina", Some(night));
    let cutover = task(&mut plan, "cutover", 48 * 60);
    let verify = task(&mut plan, "verify", 480);
    assign(&mut plan, cutover, dana);
    assign(&mut plan, cutover, nina);
    assign(&mut plan, verify, dana);
    plan.add_link(Link {
        predecessor: cutover,
        successor: verify,
        kind: LinkType::FinishToStart,
        lag: Lag::None,
    });
    Cutover {
        plan,
        dana,
        nina,
        cutover,
        verify,
    }
}

#[test]
fn slack_of_a_task_on_a_resource_calendar_is_counted_on_the_task_calendar() {
    // A 10-day task on the Standard calendar sets the project finish, Friday 14 March 17:00. A
    // 4-hour task for a night worker works Monday 23:00–24:00 and Tuesday 00:00–03:00, so it
    // finishes Tuesday 03:00; its late finish is the end of the last night before the project
    // finish, Friday 14 March 08:00, and its late start 4 working hours earlier, 04:00.
    //
    // Between those dates there are 8 Standard days (4–13 March) both from early start to late
    // start and from early finish to late finish: MS Project gives 8 days of slack. Counted in
    // the night worker's time the finish slack would be 68 hours (8.5 nights: the 4 hours left
    // on the first night and 8 full nights).
    let mut plan = Plan::new("night work", date(2025, 3, 3).at(8, 0, 0, 0));
    let night = plan.add_calendar(night_shift());
    let nina = resource(&mut plan, "nina", Some(night));
    task(&mut plan, "build", 10 * 480);
    let check = task(&mut plan, "night-check", 240);
    assign(&mut plan, check, nina);

    let schedule = schedule(&plan, &ScheduleOptions::default()).expect("the plan schedules");
    let check = schedule.task(check);
    assert_eq!(check.early_start, at(3, 3, 23, 0));
    assert_eq!(check.early_finish, at(3, 4, 3, 0));
    assert_eq!(check.late_start, at(3, 14, 4, 0));
    assert_eq!(check.late_finish, at(3, 14, 8, 0));
    assert_eq!(check.total_float, 8 * 480);
    // No successor: free slack is all the total slack, on the same calendar.
    assert_eq!(check.free_float, 8 * 480);
}

#[test]
fn a_task_for_resources_on_different_calendars_works_when_any_of_them_works() {
    // "Cutover", 48 hours, for a day worker (Standard) and a night worker, from Friday 7 March
    // 08:00. In the union of their calendars: Friday's day (8 h) and night (1 + 7 h), Monday's
    // day and night (8 + 1 + 7 h), Tuesday's day and night (8 + 1 + 7 h): 48 hours ending
    // Wednesday 12 March 08:00, where MS Project finishes it (mspdiresource.xml, "Task A": the
    // same week days and hours). On the Standard calendar alone it would end Friday 14 March.
    // Its successor, for the day worker only, starts right then.
    let Cutover {
        plan,
        cutover,
        verify,
        ..
    } = cutover_plan();

    let schedule = schedule(&plan, &ScheduleOptions::default()).expect("the plan schedules");
    let (cutover, verify) = (schedule.task(cutover), schedule.task(verify));
    assert_eq!(cutover.start, at(3, 7, 8, 0));
    assert_eq!(cutover.finish, at(3, 12, 8, 0));
    assert_eq!(cutover.late_start, at(3, 7, 8, 0));
    assert_eq!(cutover.late_finish, at(3, 12, 8, 0));
    assert_eq!(cutover.total_float, 0);
    assert_eq!(verify.start, at(3, 12, 8, 0));
    assert_eq!(verify.finish, at(3, 12, 17, 0));
    assert!(cutover.critical && verify.critical);
}

#[test]
fn each_resource_of_a_task_on_their_union_is_loaded_in_its_own_hours() {
    // The cutover above, Friday 7 March 08:00 to Wednesday 12 March 08:00: the day worker is
    // booked 8 hours on Friday, Monday and Tuesday (and Wednesday on "verify"); the night
    // worker 1 hour on Friday night, 7 on Saturday morning, 1 on Monday night, 8 on Tuesday
    // and 7 on Wednesday morning: 24 hours each on the cutover.
    let Cutover {
        plan, dana, nina, ..
    } = cutover_plan();
    let schedule = schedule(&plan, &ScheduleOptions::default()).expect("the plan schedules");
    let usage = resource_usage(&plan, &schedule, Period::Day).expect("usage");
    let hours_by_day = |resource: ResourceId| -> Vec<(i8, i64)> {
        usage[resource.index()]
            .periods
            .iter()
            .filter(|load| load.work_minutes > 0.0)
            .map(|load| (load.start.to_civil().day(), load.work_minutes as i64 / 60))
            .collect()
    };
    assert_eq!(hours_by_day(dana), [(7, 8), (10, 8), (11, 8), (12, 8)]);
    assert_eq!(
        hours_by_day(nina),
        [(7, 1), (8, 7), (10, 1), (11, 8), (12, 7)]
    );
    assert!(usage.iter().all(|usage| usage.over_allocations.is_empty()));
}
