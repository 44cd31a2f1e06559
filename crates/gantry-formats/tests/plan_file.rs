//! What a plan file means: dates at the start or end of a day, the WBS order, links and lags,
//! calendars and defaults; and writing plans back.

use gantry_core::model::{
    Assignment, Availability, CalendarDef, CalendarException, CalendarId, Constraint, Duration,
    DurationSettings, Lag, Link, LinkType, Plan, Progress, Resource, ResourceKind, Shift, Split,
    Task, TaskId,
};
use gantry_formats::{PlanFile, Position, parse_plan, write_plan};
use jiff::civil::{DateTime, date};

fn parse(source: &str) -> PlanFile {
    parse_plan("plan.toml", source).unwrap_or_else(|errors| panic!("{errors}\n{source}"))
}

fn with_project(rest: &str) -> String {
    format!("[project]\nname = \"Test\"\nstart = 2026-01-05\n{rest}")
}

fn at(year: i16, month: i8, day: i8, hour: i8, minute: i8) -> DateTime {
    date(year, month, day).at(hour, minute, 0, 0)
}

fn task<'p>(plan: &'p Plan, key: &str) -> &'p Task {
    plan.tasks
        .iter()
        .find(|task| task.key == key)
        .unwrap_or_else(|| panic!("no task {key}"))
}

fn keys(plan: &Plan) -> Vec<&str> {
    plan.tasks.iter().map(|task| task.key.as_str()).collect()
}

#[test]
fn a_minimal_plan_gets_the_defaults() {
    let plan =
        parse("[project]\nname = \"Tiny\"\nstart = 2026-01-05\n\n[[task]]\nid = \"only\"\n").plan;
    assert_eq!(plan.name, "Tiny");
    assert_eq!(plan.start, at(2026, 1, 5, 0, 0));
    assert_eq!(plan.status_date, None);
    assert_eq!(plan.time_zone, None);
    assert_eq!(plan.calendars, vec![CalendarDef::standard()]);
    assert_eq!(plan.calendar, CalendarId(0));
    assert_eq!(plan.durations, DurationSettings::default());
    assert_eq!(plan.tasks, vec![Task::new("only", "only")]);
    assert!(plan.links.is_empty());
}

#[test]
fn dates_alone_mean_the_start_or_the_end_of_the_day() {
    let plan = parse(
        r#"[project]
name = "Dates"
start = "2026-01-05 08:00"
status_date = 2026-02-13

[[task]]
id = "a"
constraint = "SNET 2026-02-02"
deadline = 2026-03-31
actual_start = 2026-01-05
actual_finish = "2026-01-09"

[[task]]
id = "b"
constraint = "FNLT 2026-02-27"

[[task]]
id = "c"
constraint = "MSO 2026-06-26T17:00"

[[task]]
id = "d"
constraint = "mfo 2026-06-26 12:30"
deadline = 2026-03-31T12:00:00

[[task]]
id = "e"
constraint = "SNLT 2026-02-02"

[[task]]
id = "f"
constraint = "FNET 2026-02-02"

[[task]]
id = "g"
constraint = "ALAP"
"#,
    )
    .plan;
    assert_eq!(plan.start, at(2026, 1, 5, 8, 0));
    assert_eq!(plan.status_date, Some(at(2026, 2, 14, 0, 0)));
    let a = task(&plan, "a");
    assert_eq!(
        a.constraint,
        Constraint::StartNoEarlierThan(at(2026, 2, 2, 0, 0))
    );
    assert_eq!(a.deadline, Some(at(2026, 4, 1, 0, 0)));
    assert_eq!(a.progress.actual_start, Some(at(2026, 1, 5, 0, 0)));
    assert_eq!(a.progress.actual_finish, Some(at(2026, 1, 10, 0, 0)));
    assert_eq!(
        task(&plan, "b").constraint,
        Constraint::FinishNoLaterThan(at(2026, 2, 28, 0, 0))
    );
    assert_eq!(
        task(&plan, "c").constraint,
        Constraint::MustStartOn(at(2026, 6, 26, 17, 0))
    );
    assert_eq!(
        task(&plan, "d").constraint,
        Constraint::MustFinishOn(at(2026, 6, 26, 12, 30))
    );
    assert_eq!(task(&plan, "d").deadline, Some(at(2026, 3, 31, 12, 0)));
    assert_eq!(
        task(&plan, "e").constraint,
        Constraint::StartNoLaterThan(at(2026, 2, 2, 0, 0))
    );
    assert_eq!(
        task(&plan, "f").constraint,
        Constraint::FinishNoEarlierThan(at(2026, 2, 3, 0, 0))
    );
    assert_eq!(task(&plan, "g").constraint, Constraint::AsLateAsPossible);
}

#[test]
fn wbs_order_puts_children_after_their_parent_in_file_order() {
    let plan = parse(&with_project(
        r#"
[[task]]
id = "late-child"
parent = "phase-2"

[[task]]
id = "phase-1"

  [[task.task]]
  id = "design"

    [[task.task.task]]
    id = "design-hld"

  [[task.task]]
  id = "review"

[[task]]
id = "phase-2"

[[task]]
id = "joins-phase-1"
parent = "phase-1"

[[task]]
id = "build"
parent = "phase-2"

[[task]]
id = "alone"
"#,
    ))
    .plan;
    assert_eq!(
        keys(&plan),
        [
            "phase-1",
            "design",
            "design-hld",
            "review",
            "joins-phase-1",
            "phase-2",
            "late-child",
            "build",
            "alone"
        ]
    );
    let parent = |key: &str| task(&plan, key).parent.map(|id| plan.task(id).key.as_str());
    assert_eq!(parent("design-hld"), Some("design"));
    assert_eq!(parent("joins-phase-1"), Some("phase-1"));
    assert_eq!(parent("late-child"), Some("phase-2"));
    assert_eq!(parent("phase-1"), None);
    assert_eq!(
        plan.outline_numbers(),
        ["1", "1.1", "1.1.1", "1.2", "1.3", "2", "2.1", "2.2", "3"]
    );
    plan.validate_structure().expect("WBS order");
}

#[test]
fn links_and_lags() {
    let plan_file = parse(&with_project(
        r#"
[[task]]
id = "a"

[[task]]
id = "b"
after = ["a", "c SS+2d", "d FF-1d", "e SF+50%", "f FS+3ed", "g ss+4h", "h +1w", "i FS"]

[[task]]
id = "c"
[[task]]
id = "d"
[[task]]
id = "e"
[[task]]
id = "f"
[[task]]
id = "g"
[[task]]
id = "h"
[[task]]
id = "i"
after = "a"
"#,
    ));
    let plan = &plan_file.plan;
    let link = |predecessor: &str, successor: &str, kind: LinkType, lag: Lag| Link {
        predecessor: TaskId(
            keys(plan)
                .iter()
                .position(|key| *key == predecessor)
                .expect("task") as u32,
        ),
        successor: TaskId(
            keys(plan)
                .iter()
                .position(|key| *key == successor)
                .expect("task") as u32,
        ),
        kind,
        lag,
    };
    assert_eq!(
        plan.links,
        vec![
            link("a", "b", LinkType::FinishToStart, Lag::None),
            link("c", "b", LinkType::StartToStart, Lag::Working(960)),
            link("d", "b", LinkType::FinishToFinish, Lag::Working(-480)),
            link("e", "b", LinkType::StartToFinish, Lag::Percent(50.0)),
            link("f", "b", LinkType::FinishToStart, Lag::Elapsed(3 * 1440)),
            link("g", "b", LinkType::StartToStart, Lag::Working(240)),
            link("h", "b", LinkType::FinishToStart, Lag::Working(2400)),
            link("i", "b", LinkType::FinishToStart, Lag::None),
            link("a", "i", LinkType::FinishToStart, Lag::None),
        ]
    );
    let b_line = 10;
    assert_eq!(
        plan_file.source.links[0],
        Position {
            line: b_line,
            column: 10
        }
    );
    assert_eq!(
        plan_file.source.links[1],
        Position {
            line: b_line,
            column: 15
        }
    );
    assert_eq!(
        plan_file.source.links[8],
        Position {
            line: 26,
            column: 9
        }
    );
    assert_eq!(plan_file.source.tasks[0], Position { line: 5, column: 1 });
}

#[test]
fn links_may_name_summary_tasks() {
    let plan = parse(&with_project(
        r#"
[[task]]
id = "phase-1"
  [[task.task]]
  id = "survey"

[[task]]
id = "phase-2"
after = ["phase-1"]
  [[task.task]]
  id = "build"
  after = ["survey FS+1d"]
"#,
    ))
    .plan;
    assert_eq!(plan.links.len(), 2);
    assert_eq!(plan.task(plan.links[0].predecessor).key, "phase-1");
}

#[test]
fn durations_milestones_and_summary_tasks() {
    let plan = parse(
        r#"[project]
name = "Durations"
start = 2026-01-05
hours_per_day = 7.5
hours_per_week = 37.5
days_per_month = 21

[[task]]
id = "phase"
milestone = false
  [[task.task]]
  id = "default"
  [[task.task]]
  id = "milestone"
  milestone = true
  [[task.task]]
  id = "long-milestone"
  milestone = true
  duration = "1d"
  [[task.task]]
  id = "zero"
  duration = "0d"
  [[task.task]]
  id = "elapsed"
  duration = "3ed"
  remaining = "1.5d"
  percent_complete = 12.5
  priority = 800
"#,
    )
    .plan;
    assert_eq!(
        plan.durations,
        DurationSettings {
            minutes_per_day: 450,
            minutes_per_week: 2250,
            days_per_month: 21
        }
    );
    assert_eq!(task(&plan, "phase").duration, Duration::working(450));
    assert_eq!(task(&plan, "default").duration, Duration::working(450));
    assert_eq!(task(&plan, "milestone").duration, Duration::working(0));
    assert!(task(&plan, "milestone").is_milestone());
    assert_eq!(
        task(&plan, "long-milestone").duration,
        Duration::working(450)
    );
    assert!(task(&plan, "long-milestone").milestone);
    assert!(task(&plan, "zero").is_milestone() && !task(&plan, "zero").milestone);
    let elapsed = task(&plan, "elapsed");
    assert_eq!(elapsed.duration, Duration::elapsed(3 * 1440));
    assert_eq!(elapsed.priority, 800);
    assert_eq!(
        elapsed.progress,
        Progress {
            actual_start: None,
            actual_finish: None,
            percent_complete: 12.5,
            remaining: Some(Duration::working(675)),
            resume: None,
        }
    );
}

#[test]
fn calendars_weeks_holidays_and_exceptions() {
    let plan = parse(
        r#"[project]
name = "Calendars"
start = 2026-01-05
calendar = "office"
time_zone = "Europe/Berlin"

[calendars.night]
name = "Night shift"
base = "office"
workdays = ["Mon", "tuesday"]
hours = ["22:00-06:00"]

[calendars.office]
workdays = ["mon", "tue", "wed", "thu", "fri"]
friday = ["08:00-12:00"]
holidays = [
  "2026-12-25",
  2026-12-26,
  { date = 2026-12-24, name = "Christmas Eve" },
  { from = 2026-12-28, to = "2026-12-31", name = "Year-end shutdown" },
]
exceptions = [
  { date = 2026-03-07, hours = ["08:00-18:00"], name = "Cut-over Saturday" },
  { from = 2026-04-01, to = 2026-04-02, hours = [] },
]

[calendars.weekend]
hours = ["00:00-24:00"]
workdays = ["sat", "sun"]

[calendars.inherits]
base = "standard"
saturday = ["09:00-13:00"]

[[task]]
id = "a"
calendar = "24h"
[[task]]
id = "b"
calendar = "night"
"#,
    )
    .plan;
    let names: Vec<&str> = plan
        .calendars
        .iter()
        .map(|calendar| calendar.name.as_str())
        .collect();
    // Each calendar after its base; built-in calendars join when first named.
    assert_eq!(
        names,
        [
            "office",
            "Night shift",
            "weekend",
            "Standard",
            "inherits",
            "24 Hours"
        ]
    );
    assert_eq!(plan.calendar, CalendarId(0));
    assert_eq!(plan.time_zone.as_deref(), Some("Europe/Berlin"));

    let standard_day = vec![Shift::new(480, 720), Shift::new(780, 1020)];
    let office = &plan.calendars[0];
    assert_eq!(office.week[0], Some(standard_day.clone()));
    assert_eq!(office.week[4], Some(vec![Shift::new(480, 720)]));
    assert_eq!(office.week[5], Some(vec![]));
    let day = |year, month, day| date(year, month, day);
    let exception = |name: &str, from, to, shifts: Vec<Shift>| CalendarException {
        name: name.to_string(),
        from,
        to,
        shifts,
    };
    assert_eq!(
        office.exceptions,
        vec![
            exception(
                "Cut-over Saturday",
                day(2026, 3, 7),
                day(2026, 3, 7),
                vec![Shift::new(480, 1080)]
            ),
            exception("", day(2026, 4, 1), day(2026, 4, 2), vec![]),
            exception(
                "Christmas Eve",
                day(2026, 12, 24),
                day(2026, 12, 24),
                vec![]
            ),
            exception("", day(2026, 12, 25), day(2026, 12, 25), vec![]),
            exception("", day(2026, 12, 26), day(2026, 12, 26), vec![]),
            exception(
                "Year-end shutdown",
                day(2026, 12, 28),
                day(2026, 12, 31),
                vec![]
            ),
        ]
    );

    let night = &plan.calendars[1];
    assert_eq!(night.base, Some(CalendarId(0)));
    assert_eq!(night.week[0], Some(vec![Shift::new(22 * 60, 6 * 60)]));
    assert_eq!(night.week[1], Some(vec![Shift::new(22 * 60, 6 * 60)]));
    assert_eq!(night.week[2], Some(vec![]));

    let weekend = &plan.calendars[2];
    assert_eq!(weekend.week[6], Some(vec![Shift::new(0, 1440)]));
    assert_eq!(weekend.week[0], Some(vec![]));

    let inherits = &plan.calendars[4];
    assert_eq!(inherits.base, Some(CalendarId(3)));
    assert_eq!(inherits.week[5], Some(vec![Shift::new(540, 780)]));
    assert_eq!(
        inherits.week[0], None,
        "a day not given comes from the base"
    );

    assert_eq!(task(&plan, "a").calendar, Some(CalendarId(5)));
    assert_eq!(task(&plan, "b").calendar, Some(CalendarId(1)));
    plan.validate_structure().expect("bases come first");
}

#[test]
fn hours_alone_mean_monday_to_friday() {
    let plan = parse(&with_project(
        "\n[calendars.standard]\nhours = [\"07:00-15:00\"]\n",
    ))
    .plan;
    let week = &plan.calendars[0].week;
    assert_eq!(week[4], Some(vec![Shift::new(420, 900)]));
    assert_eq!(week[5], Some(vec![]));
    assert_eq!(plan.calendars[0].name, "standard");
}

/// A plan using everything the model has, built by hand (as an MS Project import would).
fn rich_plan() -> Plan {
    let mut plan = Plan::new("Import \"from\" MS Project — ünïcode", at(2026, 1, 5, 8, 0));
    plan.status_date = Some(at(2026, 2, 13, 12, 0));
    plan.time_zone = Some("Europe/London".to_string());
    plan.durations = DurationSettings {
        minutes_per_day: 450,
        minutes_per_week: 2250,
        days_per_month: 21,
    };
    let mut night = CalendarDef {
        name: "Night shift (ops)".to_string(),
        base: Some(CalendarId(0)),
        week: Default::default(),
        exceptions: vec![CalendarException {
            name: "Extra night".to_string(),
            from: date(2026, 3, 6),
            to: date(2026, 3, 6),
            shifts: vec![Shift::new(1320, 360)],
        }],
    };
    night.week[0] = Some(vec![Shift::new(1320, 360)]);
    night.week[3] = Some(vec![]);
    let night = plan.add_calendar(night);
    let mut odd_week = CalendarDef::standard();
    odd_week.name = "Standard".to_string();
    odd_week.week[4] = Some(vec![Shift::new(480, 720)]);
    odd_week.week[5] = Some(vec![Shift::new(0, 1440)]);
    odd_week.exceptions = vec![
        CalendarException {
            name: String::new(),
            from: date(2026, 4, 3),
            to: date(2026, 4, 6),
            shifts: vec![],
        },
        CalendarException {
            name: "Open day".to_string(),
            from: date(2026, 5, 1),
            to: date(2026, 5, 1),
            shifts: vec![],
        },
    ];
    let second_standard = plan.add_calendar(odd_week);
    plan.add_calendar(CalendarDef::twenty_four_hours());
    plan.calendar = second_standard;

    // A summary task's own duration is not written; it reads back as one day.
    let mut phase = Task::new("phase.1", "Phase 1");
    phase.duration = Duration::working(450);
    let phase = plan.add_task(phase);
    let mut design = Task::new("design", "Design");
    design.parent = Some(phase);
    design.duration = Duration::working(1234);
    design.constraint = Constraint::MustStartOn(at(2026, 1, 6, 9, 30));
    design.deadline = Some(at(2026, 2, 1, 0, 0));
    design.priority = 0;
    design.calendar = Some(night);
    design.progress = Progress {
        actual_start: Some(at(2026, 1, 6, 9, 30)),
        actual_finish: None,
        percent_complete: 33.3,
        remaining: Some(Duration::working(200)),
        resume: Some(Box::new(at(2026, 1, 8, 13, 0))),
    };
    let design = plan.add_task(design);
    let mut wait = Task::new("wait_for_parts", "Wait for parts");
    wait.parent = Some(phase);
    wait.duration = Duration::elapsed(15 * 1440);
    wait.constraint = Constraint::FinishNoLaterThan(at(2026, 3, 1, 17, 0));
    let wait = plan.add_task(wait);
    let mut gate = Task::new("gate", "Gate");
    gate.duration = Duration::working(0);
    gate.milestone = true;
    gate.constraint = Constraint::MustFinishOn(at(2026, 3, 2, 0, 0));
    gate.progress.actual_finish = Some(at(2026, 3, 2, 0, 0));
    gate.progress.percent_complete = 100.0;
    let gate = plan.add_task(gate);
    let mut marker = Task::new("marker", "Flagged milestone with work");
    marker.milestone = true;
    marker.priority = 1000;
    let marker = plan.add_task(marker);

    plan.add_link(Link {
        predecessor: design,
        successor: wait,
        kind: LinkType::StartToStart,
        lag: Lag::Percent(12.5),
    });
    plan.add_link(Link {
        predecessor: wait,
        successor: gate,
        kind: LinkType::FinishToFinish,
        lag: Lag::Elapsed(-720),
    });
    plan.add_link(Link {
        predecessor: phase,
        successor: gate,
        kind: LinkType::FinishToStart,
        lag: Lag::Working(0),
    });
    plan.add_link(Link {
        predecessor: gate,
        successor: marker,
        kind: LinkType::StartToFinish,
        lag: Lag::None,
    });

    let mut dana = Resource::new("dana", "Dana Kim (DBA)");
    dana.standard_rate = 85.0;
    dana.overtime_rate = 127.5;
    dana.calendar = Some(night);
    dana.group = Some("Infrastructure".to_string());
    dana.email = Some("dana@example.com".to_string());
    dana.availability.push(Availability {
        from: Some(at(2026, 7, 1, 0, 0)),
        to: Some(at(2026, 8, 1, 0, 0)),
        units: 0.6,
    });
    let dana = plan.add_resource(dana);
    let mut team = Resource::new("ops-team", "Operations team");
    team.max_units = 3.0;
    let team = plan.add_resource(team);
    let mut laptops = Resource::new("laptops", "Laptops");
    laptops.kind = ResourceKind::Material;
    laptops.standard_rate = 1200.0;
    let laptops = plan.add_resource(laptops);
    for (task, resource, units) in [
        (design, dana, 1.0),
        (design, team, 0.5),
        (wait, laptops, 20.0),
    ] {
        plan.assignments.push(Assignment {
            task,
            resource,
            units,
            work: None,
        });
    }
    plan
}

#[test]
fn a_rich_plan_survives_a_write_and_a_read() {
    let plan = rich_plan();
    plan.validate_structure().expect("a valid plan");
    let written = write_plan(&plan);
    let again =
        parse_plan("written.toml", &written).unwrap_or_else(|errors| panic!("{errors}\n{written}"));
    assert_eq!(again.plan, plan, "{written}");
    insta::assert_snapshot!(written);
}

#[test]
fn a_plain_plan_is_written_without_calendars() {
    let plan = parse(&with_project(
        "\n[[task]]\nid = \"a\"\nname = \"First\"\nduration = \"2d\"\n\n[[task]]\nid = \"b\"\nafter = [\"a SS+1d\"]\n",
    ))
    .plan;
    let written = write_plan(&plan);
    assert_eq!(
        written,
        "[project]\nname = \"Test\"\nstart = 2026-01-05\n\n[[task]]\nid = \"a\"\nname = \"First\"\nduration = \"2d\"\n\n[[task]]\nid = \"b\"\nafter = [\"a SS+1d\"]\n"
    );
}

#[test]
fn errors_leave_no_plan_behind() {
    // A file with one mistake gives errors only, never a half-built plan.
    let result = parse_plan(
        "plan.toml",
        &with_project("\n[[task]]\nid = \"a\"\nafter = [\"nobody\"]\n"),
    );
    assert!(result.is_err());
}

#[test]
fn resources_and_assignments() {
    let file = parse(&with_project(
        r#"
[resources.dana]
name = "Dana Kim (DBA)"
rate = 85
availability = [{ from = 2026-07-01, to = 2026-07-31, units = "60%" }]

[resources.ops]
units = "300%"

[[task]]
id = "migrate"
duration = "5d"
resources = ["dana", "ops 150%"]

[[task]]
id = "cutover"
resources = ["dana 50%", "ops"]
work = "60h"
"#,
    ));
    let plan = &file.plan;
    assert_eq!(plan.resources.len(), 2);
    let dana = &plan.resources[0];
    assert_eq!((dana.key.as_str(), dana.standard_rate), ("dana", 85.0));
    assert_eq!(dana.availability[0].units, 0.6);
    // A date alone ends at the end of that day.
    assert_eq!(dana.availability[0].to, Some(at(2026, 8, 1, 0, 0)));
    assert_eq!(plan.resources[1].max_units, 3.0);
    let units: Vec<(usize, f64)> = plan
        .assignments
        .iter()
        .map(|assignment| (assignment.resource.index(), assignment.units))
        .collect();
    assert_eq!(units, [(0, 1.0), (1, 1.5), (0, 0.5), (1, 1.0)]);
    // 60 hours shared by 50% and 100%: 20 and 40 hours; written back as the task's work.
    let work: Vec<Option<i64>> = plan.assignments.iter().map(|a| a.work).collect();
    assert_eq!(work, [None, None, Some(20 * 60), Some(40 * 60)]);
    let again = parse(&write_plan(plan));
    assert_eq!(&again.plan, plan);
}

#[test]
fn every_constraint_survives_a_write_and_a_read() {
    // ALAP has no date; it was once dropped on the way out.
    let file = parse(&with_project(
        r#"
[[task]]
id = "late"
constraint = "ALAP"

[[task]]
id = "soon"
constraint = "ASAP"

[[task]]
id = "pinned"
constraint = "MSO 2026-01-07T09:30"
"#,
    ));
    let again = parse(&write_plan(&file.plan));
    assert_eq!(again.plan, file.plan);
    assert_eq!(
        task(&again.plan, "late").constraint,
        Constraint::AsLateAsPossible
    );
}

#[test]
fn estimates_risks_and_correlations() {
    use gantry_core::risk::{
        CorrelationGroup, Delay, Distribution, Estimate, RiskEvent, ThreePoint,
    };
    let file = parse(&with_project(
        r#"
[[task]]
id = "phase"

[[task.task]]
id = "design"
duration = "5d"
estimate = { min = "4d", likely = "5d", max = "9d" }

[[task.task]]
id = "build"
duration = "10d"
after = ["design"]
estimate = { min = "8d", likely = "10d", max = "20d", distribution = "pert" }

[[risk]]
id = "vendor-late"
name = "The vendor delivers the appliances late"
probability = 0.3
tasks = ["build"]
delay = { min = "1d", likely = "3d", max = "10d" }
cost = 5000.0

[[risk]]
id = "licence"
probability = 0.5
tasks = "design"
delay = "2d"

[[risk]]
id = "audit-fee"
probability = 1
cost = 1200

[[correlation]]
name = "same team"
tasks = ["design", "build"]
coefficient = 0.5
"#,
    ));
    let design = TaskId(1);
    let build = TaskId(2);
    assert_eq!(file.plan.tasks[1].key, "design");
    let day = 480;
    assert_eq!(
        file.risk.estimates,
        vec![
            Estimate {
                task: design,
                duration: ThreePoint {
                    min: 4 * day,
                    likely: 5 * day,
                    max: 9 * day,
                    distribution: Distribution::Triangular,
                },
            },
            Estimate {
                task: build,
                duration: ThreePoint {
                    min: 8 * day,
                    likely: 10 * day,
                    max: 20 * day,
                    distribution: Distribution::Pert,
                },
            },
        ]
    );
    assert_eq!(
        file.risk.risks,
        vec![
            RiskEvent {
                id: "vendor-late".to_string(),
                name: "The vendor delivers the appliances late".to_string(),
                probability: 0.3,
                tasks: vec![build],
                delay: Delay::Uncertain(ThreePoint {
                    min: day,
                    likely: 3 * day,
                    max: 10 * day,
                    distribution: Distribution::Triangular,
                }),
                cost: 5000.0,
            },
            RiskEvent {
                id: "licence".to_string(),
                name: "licence".to_string(),
                probability: 0.5,
                tasks: vec![design],
                delay: Delay::Fixed(2 * day),
                cost: 0.0,
            },
            RiskEvent {
                id: "audit-fee".to_string(),
                name: "audit-fee".to_string(),
                probability: 1.0,
                tasks: vec![],
                delay: Delay::Fixed(0),
                cost: 1200.0,
            },
        ]
    );
    assert_eq!(
        file.risk.correlations,
        vec![CorrelationGroup {
            name: "same team".to_string(),
            tasks: vec![design, build],
            coefficient: 0.5,
        }]
    );
    // Estimates do not change the plan itself: the planned duration is `duration`.
    assert_eq!(file.plan.tasks[1].duration, Duration::working(5 * day));
}

/// The risk example written with its estimates, risks and correlations reads back the same.
#[test]
fn risk_models_survive_a_write_and_a_read() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/erp-upgrade-risk.toml");
    let file = gantry_formats::load_plan(&path).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(file.risk.estimates.len(), 9);
    assert_eq!(file.risk.risks.len(), 4);
    assert_eq!(file.risk.correlations.len(), 1);
    let written = gantry_formats::write_plan_file(&file.plan, &file.risk);
    let again = parse(&written);
    assert_eq!(again.plan, file.plan, "{written}");
    assert_eq!(again.risk, file.risk, "{written}");
    // Without a risk model, the plan is written as before.
    assert_eq!(
        write_plan(&file.plan),
        gantry_formats::write_plan_file(&file.plan, &Default::default())
    );
}

#[test]
fn splits_and_the_leveling_flag_survive_a_write_and_a_read() {
    let file = parse(&with_project(
        r#"
[[task]]
id = "build"
duration = "10d"
level_split = true
splits = [{ after = "6d", gap = "1d" }, { after = "2d", gap = "3d" }]

[[task]]
id = "test"
duration = "2d"
after = ["build"]
"#,
    ));
    let plan = &file.plan;
    assert!(task(plan, "build").leveling_can_split);
    assert!(!task(plan, "test").leveling_can_split);
    // Kept in order of the work before each pause, whatever the order written.
    let build = TaskId(0);
    assert_eq!(
        plan.splits,
        [
            Split {
                task: build,
                after: 2 * 480,
                gap: 3 * 480
            },
            Split {
                task: build,
                after: 6 * 480,
                gap: 480
            },
        ]
    );
    let written = write_plan(plan);
    assert!(
        written.contains(
            "level_split = true\nsplits = [{ after = \"2d\", gap = \"3d\" }, { after = \"6d\", gap = \"1d\" }]\n"
        ),
        "{written}"
    );
    let again =
        parse_plan("written.toml", &written).unwrap_or_else(|errors| panic!("{errors}\n{written}"));
    assert_eq!(&again.plan, plan, "{written}");
}
