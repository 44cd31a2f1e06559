//! MS Project XML: bad input gives one clear error naming the element, and every file of the
//! reference folders survives import → export → import with the same plan and schedule.

use std::path::{Path, PathBuf};

use gantry_core::cpm::{Schedule, schedule};
use gantry_core::model::{Constraint, Lag, LinkType};
use gantry_formats::mspdi::{MspdiProject, conformance, read_mspdi, write_mspdi};

/// A small, valid project: a Standard calendar, two tasks and one link, in MSPDI.
fn project(tasks: &str, calendar_days: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>Small</Name>
  <StartDate>2026-03-02T08:00:00</StartDate>
  <CalendarUID>1</CalendarUID>
  <Calendars>
    <Calendar>
      <UID>1</UID>
      <Name>Standard</Name>
      <IsBaseCalendar>1</IsBaseCalendar>
      <WeekDays>{calendar_days}</WeekDays>
    </Calendar>
  </Calendars>
  <Tasks>{tasks}</Tasks>
</Project>
"#
    )
}

const WORKING_WEEK: &str = "
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>5</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>6</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>";

const TWO_TASKS: &str = "
    <Task><UID>1</UID><ID>1</ID><Name>Design</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration><DurationFormat>7</DurationFormat></Task>
    <Task><UID>2</UID><ID>2</ID><Name>Build</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration><DurationFormat>7</DurationFormat>
      <ConstraintType>4</ConstraintType><ConstraintDate>2026-03-04T08:00:00</ConstraintDate>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>3</Type><LinkLag>24000</LinkLag><LagFormat>8</LagFormat></PredecessorLink>
    </Task>";

#[test]
fn reads_tasks_links_constraints_and_calendars() {
    let project = read_mspdi("small.xml", &project(TWO_TASKS, WORKING_WEEK)).expect("reads");
    let plan = &project.plan;
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.tasks[0].key, "t1");
    assert_eq!(plan.tasks[0].duration.minutes, 960);
    assert_eq!(
        plan.tasks[1].constraint,
        Constraint::StartNoEarlierThan("2026-03-04T08:00".parse().expect("date"))
    );
    let link = &plan.links[0];
    assert_eq!(link.kind, LinkType::StartToStart);
    // 24000 tenths of a minute in an elapsed-day format: 2400 clock minutes.
    assert_eq!(link.lag, Lag::Elapsed(2400));
    // DayType 2 is Monday, the plan's first week day; Sunday (1) is its last.
    let calendar = &plan.calendars[0];
    assert_eq!(calendar.week[0].as_ref().map(Vec::len), Some(2));
    assert_eq!(calendar.week[6], Some(Vec::new()));
}

fn read_error(text: &str) -> String {
    read_mspdi("bad.xml", text)
        .expect_err("the file is wrong")
        .to_string()
}

#[test]
fn truncated_xml_names_the_position() {
    let text = project(TWO_TASKS, WORKING_WEEK);
    let cut = &text[..text.find("<Name>Build").expect("task")];
    let message = read_error(cut);
    assert!(message.starts_with("bad.xml:"), "{message}");
    assert!(message.contains("not well-formed XML"), "{message}");
}

#[test]
fn a_link_to_a_missing_task_names_the_link() {
    let text = project(
        &TWO_TASKS.replace("<PredecessorUID>1<", "<PredecessorUID>7<"),
        WORKING_WEEK,
    );
    let message = read_error(&text);
    assert!(
        message.contains("Task UID 2 › PredecessorLink"),
        "{message}"
    );
    assert!(
        message.contains("predecessor UID 7 is not a task"),
        "{message}"
    );
    let line = text
        .lines()
        .position(|line| line.contains("<PredecessorUID>7"))
        .expect("the link")
        + 1;
    assert!(
        message.starts_with(&format!("bad.xml:{line}:")),
        "{message}"
    );
}

#[test]
fn a_negative_duration_names_the_task() {
    let text = project(&TWO_TASKS.replace("PT16H0M0S", "-PT16H0M0S"), WORKING_WEEK);
    let message = read_error(&text);
    assert!(message.contains("Task UID 1 › Duration"), "{message}");
    assert!(message.contains("cannot be negative"), "{message}");
}

#[test]
fn a_calendar_without_working_time_names_the_calendar() {
    let idle_week: String = (1..=7)
        .map(|day| format!("<WeekDay><DayType>{day}</DayType><DayWorking>0</DayWorking></WeekDay>"))
        .collect();
    let message = read_error(&project(TWO_TASKS, &idle_week));
    assert!(message.contains("Calendar UID 1"), "{message}");
    assert!(message.contains("no working time"), "{message}");
}

#[test]
fn out_of_range_values_are_errors_not_panics() {
    let text = project(
        &TWO_TASKS.replace("<Type>3</Type>", "<Type>9</Type>"),
        WORKING_WEEK,
    );
    assert!(read_error(&text).contains("out of range"));
    let text = project(
        &TWO_TASKS.replace("2026-03-04T08:00:00", "2026-02-30T08:00:00"),
        WORKING_WEEK,
    );
    assert!(read_error(&text).contains("is not a date and time"));
    let text = project(&TWO_TASKS.replace("PT8H0M0S", "eight hours"), WORKING_WEEK);
    assert!(read_error(&text).contains("is not a duration"));
}

// --- round trip over the reference folders ------------------------------------------------

fn data_folder() -> Option<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    folder.is_dir().then_some(folder)
}

fn xml_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("list the folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            xml_files(&entry, found);
        } else if entry.extension().is_some_and(|ext| ext == "xml") {
            found.push(entry);
        }
    }
}

fn schedule_of(project: &MspdiProject, file: &str) -> Schedule {
    schedule(
        &project.scheduling_plan(),
        &conformance::options_for(project),
    )
    .unwrap_or_else(|failure| panic!("{file}: cannot schedule: {:?}", failure.diagnostics))
}

#[test]
fn import_export_import_keeps_plan_and_schedule_on_every_reference_file() {
    let Some(data) = data_folder() else {
        eprintln!("SKIPPED: ../shared/data is not here; the MSPDI round trip was not checked");
        return;
    };
    let mut files = Vec::new();
    for folder in ["mspdi", "mspdi-synth"] {
        xml_files(&data.join(folder), &mut files);
    }
    assert!(
        files.len() >= 60,
        "expected the 70 reference files, found {}",
        files.len()
    );
    for path in &files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).expect("read the file");
        let first = read_mspdi(&name, &text).unwrap_or_else(|error| panic!("{error}"));
        let first_schedule = schedule_of(&first, &name);
        let written = write_mspdi(&first, Some(&first_schedule));
        let second = read_mspdi(&format!("{name} (exported)"), &written)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(first.plan, second.plan, "{name}: the plan changed");
        assert_eq!(
            first.calendars, second.calendars,
            "{name}: calendar UIDs changed"
        );
        assert_eq!(
            first.resources, second.resources,
            "{name}: resources changed"
        );
        assert_eq!(
            first.assignments, second.assignments,
            "{name}: assignments changed"
        );
        for (a, b) in first.tasks.iter().zip(&second.tasks) {
            assert_eq!(
                (a.uid, a.manual, &a.baselines),
                (b.uid, b.manual, &b.baselines),
                "{name}"
            );
        }
        let second_schedule = schedule_of(&second, &name);
        assert_eq!(
            first_schedule.project_finish, second_schedule.project_finish,
            "{name}"
        );
        for (index, (a, b)) in first_schedule
            .tasks
            .iter()
            .zip(&second_schedule.tasks)
            .enumerate()
        {
            let fields = |t: &gantry_core::cpm::TaskSchedule| {
                (
                    t.start,
                    t.finish,
                    t.early_start,
                    t.early_finish,
                    t.late_start,
                    t.late_finish,
                    t.total_float,
                    t.free_float,
                    t.critical,
                )
            };
            assert_eq!(
                fields(a),
                fields(b),
                "{name}: task #{index} scheduled differently"
            );
        }
        // `gantry import` writes the scheduling plan as a plan file: it schedules the same.
        let scheduling = first.scheduling_plan();
        let written = gantry_formats::write_plan(&scheduling);
        let imported = gantry_formats::parse_plan(&format!("{name} (imported)"), &written)
            .unwrap_or_else(|errors| panic!("{errors}"));
        let imported_schedule = schedule(&imported.plan, &conformance::options_for(&first))
            .unwrap_or_else(|failure| panic!("{name}: {:?}", failure.diagnostics));
        for (index, (a, b)) in first_schedule
            .tasks
            .iter()
            .zip(&imported_schedule.tasks)
            .enumerate()
        {
            assert_eq!(
                (a.start, a.finish, a.late_start, a.total_float),
                (b.start, b.finish, b.late_start, b.total_float),
                "{name}: task #{index} schedules differently from its plan file"
            );
        }
        // What was written is what was computed: the stored dates of the second read are the
        // first schedule's.
        for (index, info) in second.tasks.iter().enumerate() {
            let computed = &first_schedule.tasks[index];
            assert_eq!(info.stored.start, Some(computed.start.to_civil()), "{name}");
            assert_eq!(
                info.stored.total_slack_tenths,
                Some(computed.total_float * 10),
                "{name}"
            );
        }
    }
    eprintln!("round trip checked on {} files", files.len());
}

#[test]
fn reads_resources_assignments_availability_and_baselines() {
    let tasks = TWO_TASKS.replace("<Name>Design</Name>", "<Name>Design</Name><Type>2</Type>");
    let tasks = tasks.replace(
        "<DurationFormat>7</DurationFormat></Task>",
        "<DurationFormat>7</DurationFormat><Baseline><Number>0</Number><Start>2026-03-02T08:00:00</Start><Finish>2026-03-03T17:00:00</Finish><Duration>PT16H0M0S</Duration><Cost>1200</Cost></Baseline></Task>",
    );
    let text = project(&tasks, WORKING_WEEK).replace(
        "</Project>",
        "<Resources>
           <Resource><UID>0</UID><ID>0</ID><Name>placeholder</Name></Resource>
           <Resource><UID>7</UID><ID>1</ID><Name>Dana (DBA)</Name><Type>1</Type><MaxUnits>1</MaxUnits><StandardRate>85</StandardRate>
             <AvailabilityPeriods><AvailabilityPeriod><AvailableFrom>2026-07-01T00:00:00</AvailableFrom><AvailableTo>2026-07-31T23:59:00</AvailableTo><AvailableUnits>0.6</AvailableUnits></AvailabilityPeriod></AvailabilityPeriods>
           </Resource>
         </Resources>
         <Assignments>
           <Assignment><UID>3</UID><TaskUID>1</TaskUID><ResourceUID>7</ResourceUID><Units>0.5</Units><Work>PT8H0M0S</Work></Assignment>
           <Assignment><UID>4</UID><TaskUID>2</TaskUID><ResourceUID>-65535</ResourceUID></Assignment>
         </Assignments>
       </Project>",
    );
    let project = read_mspdi("resources.xml", &text).expect("reads");
    let plan = &project.plan;
    assert_eq!(plan.resources.len(), 1, "UID 0 is MS Project's placeholder");
    let dana = &plan.resources[0];
    assert_eq!(
        (
            project.resources[0].uid,
            dana.key.as_str(),
            dana.name.as_str(),
            dana.standard_rate
        ),
        (7, "r7", "Dana (DBA)", 85.0)
    );
    // MS Project's availability table is the only time the resource works: the plan gets the
    // July row and no units before and after it.
    assert_eq!(dana.availability.len(), 3);
    assert_eq!(
        dana.units_at("2026-07-15T10:00".parse().expect("date")),
        0.6,
        "July is at 60%"
    );
    assert_eq!(
        dana.units_at("2026-08-03T10:00".parse().expect("date")),
        0.0
    );
    assert_eq!(
        dana.units_at("2026-06-30T10:00".parse().expect("date")),
        0.0
    );
    assert_eq!(
        plan.assignments.len(),
        1,
        "the unassigned placeholder is skipped"
    );
    let assignment = &plan.assignments[0];
    assert_eq!((assignment.units, assignment.work), (0.5, Some(480)));
    assert_eq!(project.assignments[0].uid, 3);
    assert_eq!(project.tasks[0].baselines[0].cost, Some(1200.0));
    assert_eq!(project.tasks[0].baselines[0].duration_minutes, Some(960));
}

#[test]
fn recurring_exceptions_and_work_weeks_shape_the_schedule() {
    // Christmas Day every year (Type 2, Month 11 = December, MonthDay 25), a one-off shutdown,
    // and a summer work week of four 10-hour days (Mon–Thu 07:00–17:00, Friday off).
    let calendar_extras = "</WeekDays>
      <Exceptions>
        <Exception><EnteredByOccurrences>1</EnteredByOccurrences><TimePeriod><FromDate>2026-12-25T00:00:00</FromDate></TimePeriod>
          <Occurrences>5</Occurrences><Name>Christmas Day</Name><Type>2</Type><Month>11</Month><MonthDay>25</MonthDay><DayWorking>0</DayWorking></Exception>
        <Exception><TimePeriod><FromDate>2026-12-28T00:00:00</FromDate><ToDate>2026-12-31T23:59:00</ToDate></TimePeriod>
          <Name>Shutdown</Name><Type>1</Type><DayWorking>0</DayWorking></Exception>
      </Exceptions>
      <WorkWeeks><WorkWeek><TimePeriod><FromDate>2026-07-06T00:00:00</FromDate><ToDate>2026-07-31T23:59:00</ToDate></TimePeriod><Name>Summer</Name>
        <WeekDays>
          <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>07:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
          <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>07:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
          <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>07:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
          <WeekDay><DayType>5</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>07:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        </WeekDays></WorkWeek></WorkWeeks>
      <WeekDays>";
    let tasks = "
    <Task><UID>1</UID><ID>1</ID><Name>Year-end release</Name><OutlineLevel>1</OutlineLevel><Duration>PT24H0M0S</Duration><DurationFormat>7</DurationFormat>
      <ConstraintType>4</ConstraintType><ConstraintDate>2026-12-24T08:00:00</ConstraintDate></Task>
    <Task><UID>2</UID><ID>2</ID><Name>Summer upgrade</Name><OutlineLevel>1</OutlineLevel><Duration>PT40H0M0S</Duration><DurationFormat>7</DurationFormat>
      <ConstraintType>4</ConstraintType><ConstraintDate>2026-07-06T07:00:00</ConstraintDate></Task>";
    let text = project(tasks, &format!("{WORKING_WEEK}{calendar_extras}"))
        .replace("<WeekDays></WeekDays>", "");
    let project = read_mspdi("calendar.xml", &text).unwrap_or_else(|error| panic!("{error}"));
    let calendar = &project.plan.calendars[0];
    let christmas: Vec<String> = calendar
        .exceptions
        .iter()
        .filter(|exception| exception.name == "Christmas Day")
        .map(|exception| exception.from.to_string())
        .collect();
    assert_eq!(
        christmas,
        [
            "2026-12-25",
            "2027-12-25",
            "2028-12-25",
            "2029-12-25",
            "2030-12-25"
        ]
    );
    let computed = schedule_of(&project, "calendar.xml");
    let dates = |index: usize| {
        let task = &computed.tasks[index];
        (
            task.start.to_civil().to_string(),
            task.finish.to_civil().to_string(),
        )
    };
    // 24 working hours from Thu 24 Dec, skipping Christmas, the weekend and the shutdown Mon 28 –
    // Thu 31 (New Year is an ordinary Friday here): Thu 24 (9 h on this test calendar), Fri 1 Jan
    // (9 h), then Mon 4 Jan 08:00–12:00 and 13:00–15:00.
    assert_eq!(
        dates(0),
        ("2026-12-24T08:00:00".into(), "2027-01-04T15:00:00".into())
    );
    // 40 hours in the summer week of four 10-hour days: Mon 6 – Thu 9 July, 17:00.
    assert_eq!(
        dates(1),
        ("2026-07-06T07:00:00".into(), "2026-07-09T17:00:00".into())
    );
}

#[test]
fn leveling_can_split_is_read_with_ms_projects_default_and_written_back() {
    // Design says nothing (MS Project's default for a new task, 1); Build says 0.
    let with_flag = TWO_TASKS.replacen(
        "<Duration>PT8H0M0S</Duration>",
        "<Duration>PT8H0M0S</Duration><LevelingCanSplit>0</LevelingCanSplit>",
        1,
    );
    let project = read_mspdi("small.xml", &project(&with_flag, WORKING_WEEK)).expect("reads");
    let flags: Vec<bool> = project
        .plan
        .tasks
        .iter()
        .map(|task| task.leveling_can_split)
        .collect();
    assert_eq!(flags, [true, false]);
    let written = write_mspdi(&project, None);
    assert!(
        written.contains("<LevelingCanSplit>1</LevelingCanSplit>"),
        "{written}"
    );
    assert!(
        written.contains("<LevelingCanSplit>0</LevelingCanSplit>"),
        "{written}"
    );
    let again = read_mspdi("again.xml", &written).expect("reads back");
    assert_eq!(again.plan, project.plan);
}
