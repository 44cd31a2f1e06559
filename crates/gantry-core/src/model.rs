//! The plan: what a project manager writes down before anything is computed.
//!
//! A [`Plan`] is plain data. Tasks, links and calendars live in `Vec`s and refer to each other by
//! small integer ids ([`TaskId`], [`LinkId`], [`CalendarId`]) that are indexes into those vectors.
//! Tasks are stored in WBS order (a parent before its children, siblings in outline order), which
//! [`Plan::validate_structure`] checks.

use std::fmt;

use jiff::civil::{Date, DateTime};

/// Index of a task in [`Plan::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

/// Index of a link in [`Plan::links`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

/// Index of a resource in [`Plan::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u32);

impl ResourceId {
    /// The id as an index into [`Plan::resources`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a calendar in [`Plan::calendars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarId(pub u32);

impl TaskId {
    /// The id as an index into [`Plan::tasks`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    /// The id as an index into [`Plan::links`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl CalendarId {
    /// The id as an index into [`Plan::calendars`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How many working minutes the duration units stand for, as in MS Project's options
/// ("hours per day", "hours per week", "days per month").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationSettings {
    /// Working minutes in one day of duration ("1d"); MS Project's default is 480.
    pub minutes_per_day: i64,
    /// Working minutes in one week of duration ("1w"); MS Project's default is 2400.
    pub minutes_per_week: i64,
    /// Working days in one month of duration ("1mo"); MS Project's default is 20.
    pub days_per_month: i64,
}

impl Default for DurationSettings {
    fn default() -> Self {
        DurationSettings {
            minutes_per_day: 480,
            minutes_per_week: 2400,
            days_per_month: 20,
        }
    }
}

/// A project plan: tasks in a WBS tree, links between them, and working calendars.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The project's name.
    pub name: String,
    /// When work may start at the earliest.
    pub start: DateTime,
    /// The date up to which progress has been reported; remaining work is scheduled after it.
    pub status_date: Option<DateTime>,
    /// Saved baselines (MS Project's Baseline, Baseline1 … Baseline10), at most one per number.
    pub baselines: Vec<crate::baseline::Baseline>,
    /// Costs beyond the resources' rates: fixed costs of tasks and cost resources' amounts.
    pub costs: crate::cost::PlanCosts,
    /// What was done and spent: time entries and expenses (actual work and cost).
    pub tracking: crate::cost::Tracking,
    /// IANA time zone the civil dates are in (for display elsewhere); the engine works in civil time.
    pub time_zone: Option<String>,
    /// The project calendar: used by every task without a calendar of its own.
    pub calendar: CalendarId,
    /// Every calendar of the plan.
    pub calendars: Vec<CalendarDef>,
    /// Tasks in WBS order.
    pub tasks: Vec<Task>,
    /// Dependencies between tasks.
    pub links: Vec<Link>,
    /// What "1d", "1w" and "1mo" mean in working minutes.
    pub durations: DurationSettings,
    /// The people, equipment and cost items the plan draws on.
    pub resources: Vec<Resource>,
    /// Which resource works on which task, and how much.
    pub assignments: Vec<Assignment>,
    /// Pauses inside tasks (MS Project's splits), by task and then by the work before them.
    /// A side table rather than a field of [`Task`]: few tasks are split, and every task would
    /// carry the field (a plan stays under 1 KB a task).
    pub splits: Vec<Split>,
}

impl Plan {
    /// An empty plan on a single standard calendar (Mon–Fri 08:00–12:00, 13:00–17:00).
    pub fn new(name: impl Into<String>, start: DateTime) -> Plan {
        Plan {
            name: name.into(),
            start,
            status_date: None,
            baselines: Vec::new(),
            costs: crate::cost::PlanCosts::default(),
            tracking: crate::cost::Tracking::default(),
            time_zone: None,
            calendar: CalendarId(0),
            calendars: vec![CalendarDef::standard()],
            tasks: Vec::new(),
            links: Vec::new(),
            durations: DurationSettings::default(),
            resources: Vec::new(),
            assignments: Vec::new(),
            splits: Vec::new(),
        }
    }

    /// The task with this id.
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.index()]
    }

    /// Appends a task and returns its id.
    pub fn add_task(&mut self, task: Task) -> TaskId {
        let id = TaskId(u32::try_from(self.tasks.len()).expect("fewer than 2^32 tasks"));
        self.tasks.push(task);
        id
    }

    /// Appends a link and returns its id.
    pub fn add_link(&mut self, link: Link) -> LinkId {
        let id = LinkId(u32::try_from(self.links.len()).expect("fewer than 2^32 links"));
        self.links.push(link);
        id
    }

    /// Appends a resource and returns its id.
    pub fn add_resource(&mut self, resource: Resource) -> ResourceId {
        let id =
            ResourceId(u32::try_from(self.resources.len()).expect("fewer than 2^32 resources"));
        self.resources.push(resource);
        id
    }

    /// Appends a calendar and returns its id.
    pub fn add_calendar(&mut self, calendar: CalendarDef) -> CalendarId {
        let id =
            CalendarId(u32::try_from(self.calendars.len()).expect("fewer than 2^32 calendars"));
        self.calendars.push(calendar);
        id
    }

    /// The calendar each task is scheduled on: its own; else, as in MS Project, the calendar its
    /// work resources share (a task for a part-timer follows her week); else the project's.
    /// Tasks whose resources work on different calendars get the project calendar here; the
    /// engine schedules them on the union of their resources' calendars (see
    /// [`Plan::resource_calendars`]).
    pub fn scheduling_calendars(&self) -> Vec<CalendarId> {
        self.tasks
            .iter()
            .zip(self.resource_calendars())
            .map(
                |(task, resource_calendars)| match (task.calendar, &resource_calendars[..]) {
                    (Some(own), _) => own,
                    (None, [shared]) => *shared,
                    (None, _) => self.calendar,
                },
            )
            .collect()
    }

    /// For each task, the calendars its work resources follow (the project calendar for a
    /// resource without one of its own), each once, in ascending order. Empty for a task without
    /// work resources.
    pub fn resource_calendars(&self) -> Vec<Vec<CalendarId>> {
        let mut calendars: Vec<Vec<CalendarId>> = vec![Vec::new(); self.tasks.len()];
        for assignment in &self.assignments {
            let Some(resource) = self.resources.get(assignment.resource.index()) else {
                continue;
            };
            if resource.kind != ResourceKind::Work || assignment.units <= 0.0 {
                continue;
            }
            let Some(task_calendars) = calendars.get_mut(assignment.task.index()) else {
                continue;
            };
            let calendar = resource.calendar.unwrap_or(self.calendar);
            if let Err(position) = task_calendars.binary_search(&calendar) {
                task_calendars.insert(position, calendar);
            }
        }
        calendars
    }

    /// The duration of each fixed-work task whose work is stated on its assignments: the
    /// longest of each assignment's work over its units. `None` where the task's own duration
    /// stands (every other task type: their duration is kept in step with the work by the
    /// edits in [`crate::work`] and by the file readers).
    pub fn work_durations(&self) -> Vec<Option<i64>> {
        let mut result: Vec<Option<i64>> = vec![None; self.tasks.len()];
        for assignment in &self.assignments {
            let (Some(work), true) = (assignment.work, assignment.units > 0.0) else {
                continue;
            };
            if self
                .tasks
                .get(assignment.task.index())
                .is_none_or(|task| task.task_type != TaskType::FixedWork)
            {
                continue;
            }
            // Only people and machines put in time; a material's "work" is a quantity.
            if self
                .resources
                .get(assignment.resource.index())
                .is_none_or(|resource| resource.kind != ResourceKind::Work)
            {
                continue;
            }
            let Some(slot) = result.get_mut(assignment.task.index()) else {
                continue;
            };
            let minutes = (work as f64 / assignment.units).round() as i64;
            *slot = Some(slot.map_or(minutes, |current| current.max(minutes)));
        }
        result
    }

    /// Ids of all tasks, in WBS order.
    pub fn task_ids(&self) -> impl Iterator<Item = TaskId> + '_ {
        (0..self.tasks.len() as u32).map(TaskId)
    }

    /// Whether `id` has children (and so is a summary task).
    pub fn summary_flags(&self) -> Vec<bool> {
        let mut is_summary = vec![false; self.tasks.len()];
        for task in &self.tasks {
            if let Some(parent) = task.parent {
                is_summary[parent.index()] = true;
            }
        }
        is_summary
    }

    /// Outline numbers ("1", "1.2", "1.2.3") of every task, in WBS order.
    pub fn outline_numbers(&self) -> Vec<String> {
        let mut numbers: Vec<String> = Vec::with_capacity(self.tasks.len());
        let mut child_counts = vec![0u32; self.tasks.len()];
        let mut top_level = 0u32;
        for task in &self.tasks {
            let number = match task.parent {
                None => {
                    top_level += 1;
                    top_level.to_string()
                }
                Some(parent) => {
                    child_counts[parent.index()] += 1;
                    format!(
                        "{}.{}",
                        numbers[parent.index()],
                        child_counts[parent.index()]
                    )
                }
            };
            numbers.push(number);
        }
        numbers
    }

    /// Checks the ids and the WBS order: every reference points inside the plan and every parent
    /// comes before its children. Plans built by `gantry-formats` always pass; this guards plans
    /// built by hand or by other programs.
    pub fn validate_structure(&self) -> Result<(), StructureError> {
        let tasks = self.tasks.len();
        if self.calendar.index() >= self.calendars.len() {
            return Err(StructureError::UnknownCalendar {
                calendar: self.calendar,
            });
        }
        for (index, task) in self.tasks.iter().enumerate() {
            let id = TaskId(index as u32);
            if let Some(parent) = task.parent
                && parent.index() >= index
            {
                return Err(StructureError::ParentAfterChild { task: id, parent });
            }
            if let Some(calendar) = task.calendar
                && calendar.index() >= self.calendars.len()
            {
                return Err(StructureError::UnknownCalendar { calendar });
            }
        }
        for (index, calendar) in self.calendars.iter().enumerate() {
            if let Some(base) = calendar.base
                && base.index() >= index
            {
                return Err(StructureError::BaseCalendarAfter {
                    calendar: CalendarId(index as u32),
                    base,
                });
            }
        }
        for (index, link) in self.links.iter().enumerate() {
            if link.predecessor.index() >= tasks || link.successor.index() >= tasks {
                return Err(StructureError::LinkOutOfRange {
                    link: LinkId(index as u32),
                });
            }
        }
        for resource in &self.resources {
            if let Some(calendar) = resource.calendar
                && calendar.index() >= self.calendars.len()
            {
                return Err(StructureError::UnknownCalendar { calendar });
            }
        }
        for (index, assignment) in self.assignments.iter().enumerate() {
            if assignment.task.index() >= tasks
                || assignment.resource.index() >= self.resources.len()
            {
                return Err(StructureError::AssignmentOutOfRange { assignment: index });
            }
        }
        for (index, split) in self.splits.iter().enumerate() {
            if split.task.index() >= tasks {
                return Err(StructureError::SplitOutOfRange { split: index });
            }
        }
        Ok(())
    }
}

/// A plan whose ids do not hold together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// A task names a parent stored after it.
    #[error("task #{} has parent #{} stored after it; tasks must be in WBS order", task.0, parent.0)]
    ParentAfterChild {
        /// The child.
        task: TaskId,
        /// Its parent.
        parent: TaskId,
    },
    /// A calendar id points outside [`Plan::calendars`].
    #[error("calendar #{} does not exist", calendar.0)]
    UnknownCalendar {
        /// The missing calendar.
        calendar: CalendarId,
    },
    /// A calendar's base calendar is stored after it.
    #[error("calendar #{} is based on calendar #{} stored after it", calendar.0, base.0)]
    BaseCalendarAfter {
        /// The derived calendar.
        calendar: CalendarId,
        /// Its base.
        base: CalendarId,
    },
    /// An assignment names a task or a resource that does not exist.
    #[error("assignment #{assignment} names a task or a resource that does not exist")]
    AssignmentOutOfRange {
        /// Index in [`Plan::assignments`].
        assignment: usize,
    },
    /// A link names a task outside [`Plan::tasks`].
    #[error("link #{} names a task that does not exist", link.0)]
    LinkOutOfRange {
        /// The broken link.
        link: LinkId,
    },
    /// A split names a task outside [`Plan::tasks`].
    #[error("split #{split} names a task that does not exist")]
    SplitOutOfRange {
        /// Index in [`Plan::splits`].
        split: usize,
    },
}

/// A piece of work, a milestone, or (when other tasks name it as parent) a summary task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The short key the plan file uses to refer to the task ("design", "go-live").
    pub key: String,
    /// What people read.
    pub name: String,
    /// The summary task this task belongs to.
    pub parent: Option<TaskId>,
    /// How long the work takes; ignored for summary tasks, whose dates roll up.
    pub duration: Duration,
    /// Shown as a milestone. A task of zero duration is a milestone whatever this says.
    pub milestone: bool,
    /// The scheduling constraint.
    pub constraint: Constraint,
    /// A target finish that flags when missed but does not move the task (it does pull late dates).
    pub deadline: Option<DateTime>,
    /// The task's own calendar; the project calendar when `None`.
    pub calendar: Option<CalendarId>,
    /// Priority 0–1000 (MS Project's scale; 500 is normal). Used by leveling.
    pub priority: u16,
    /// Which term of work = duration × units stays put when another one changes.
    pub task_type: TaskType,
    /// Whether the task's total work stays the same when people join or leave it (MS Project's
    /// effort-driven scheduling); fixed-work tasks always behave so.
    pub effort_driven: bool,
    /// Whether leveling may split the task's remaining work (MS Project's "Leveling can split"):
    /// pause it while a resource is needed elsewhere instead of delaying the whole task.
    pub leveling_can_split: bool,
    /// What has been done so far.
    pub progress: Progress,
}

impl Task {
    /// A task with this key and name, one working day long, as soon as possible.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Task {
        Task {
            key: key.into(),
            name: name.into(),
            parent: None,
            duration: Duration::working(480),
            milestone: false,
            constraint: Constraint::AsSoonAsPossible,
            deadline: None,
            calendar: None,
            priority: 500,
            task_type: TaskType::FixedUnits,
            effort_driven: false,
            leveling_can_split: false,
            progress: Progress::default(),
        }
    }

    /// Whether the task is a milestone (flagged, or of zero duration).
    pub fn is_milestone(&self) -> bool {
        self.milestone || self.duration.minutes == 0
    }

    /// Whether any progress is reported on the task (an actual date or a percentage).
    pub fn is_started(&self) -> bool {
        self.progress.actual_start.is_some()
            || self.progress.actual_finish.is_some()
            || self.progress.percent_complete > 0.0
    }
}

/// A pause inside a task (MS Project's split): after `after` working minutes of the task's work,
/// `gap` working minutes of the task's calendar without work, then the rest. The pause moves
/// with the task. The critical path engine schedules a split task over its duration plus its
/// gaps; its resources do no work in a gap (see [`crate::split`] for when a split applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// The task.
    pub task: TaskId,
    /// Working minutes of the task's duration done before the pause (more than 0, less than the
    /// duration).
    pub after: i64,
    /// Length of the pause in working minutes of the task's calendar (more than 0).
    pub gap: i64,
}

/// MS Project's three task types: which term of the scheduling formula, work = duration ×
/// units, is held when one of the others is edited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskType {
    /// The units of each assignment are held: new work lengthens the task, a new duration
    /// changes the work (MS Project's default).
    #[default]
    FixedUnits,
    /// The duration is held: new work changes the units, new units change the work.
    FixedDuration,
    /// The work is held, and sets the duration from the units: more people finish sooner.
    FixedWork,
}

impl TaskType {
    /// Every task type, MS Project's default first.
    pub const ALL: [TaskType; 3] = [
        TaskType::FixedUnits,
        TaskType::FixedDuration,
        TaskType::FixedWork,
    ];

    /// The task type a word names (see [`TaskType::code`]).
    pub fn from_code(code: &str) -> Option<TaskType> {
        TaskType::ALL
            .into_iter()
            .find(|task_type| task_type.code() == code)
    }

    /// The word used in plan files: `fixed-units`, `fixed-duration`, `fixed-work`.
    pub fn code(self) -> &'static str {
        match self {
            TaskType::FixedUnits => "fixed-units",
            TaskType::FixedDuration => "fixed-duration",
            TaskType::FixedWork => "fixed-work",
        }
    }
}

/// A task duration or a lag: minutes of working time, or of clock ("elapsed") time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Duration {
    /// Length in minutes (working minutes unless `elapsed`).
    pub minutes: i64,
    /// Counted in clock time (24 hours a day, 7 days a week), as MS Project's "edays".
    pub elapsed: bool,
}

impl Duration {
    /// A duration in working minutes.
    pub const fn working(minutes: i64) -> Duration {
        Duration {
            minutes,
            elapsed: false,
        }
    }

    /// A duration in clock minutes.
    pub const fn elapsed(minutes: i64) -> Duration {
        Duration {
            minutes,
            elapsed: true,
        }
    }
}

/// The delay (positive) or lead (negative) on a link.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Lag {
    /// No lag.
    #[default]
    None,
    /// Minutes of working time on the successor's calendar.
    Working(i64),
    /// Minutes of clock time.
    Elapsed(i64),
    /// A percentage of the predecessor's duration, in working time.
    Percent(f64),
}

/// The four dependency types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// The successor starts after the predecessor finishes.
    FinishToStart,
    /// The successor starts after the predecessor starts.
    StartToStart,
    /// The successor finishes after the predecessor finishes.
    FinishToFinish,
    /// The successor finishes after the predecessor starts.
    StartToFinish,
}

impl LinkType {
    /// The link type a two-letter code names (see [`LinkType::code`]).
    pub fn from_code(code: &str) -> Option<LinkType> {
        [
            LinkType::FinishToStart,
            LinkType::StartToStart,
            LinkType::FinishToFinish,
            LinkType::StartToFinish,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }

    /// The two-letter code MS Project shows ("FS", "SS", "FF", "SF").
    pub fn code(self) -> &'static str {
        match self {
            LinkType::FinishToStart => "FS",
            LinkType::StartToStart => "SS",
            LinkType::FinishToFinish => "FF",
            LinkType::StartToFinish => "SF",
        }
    }
}

/// A dependency between two tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The task that drives.
    pub predecessor: TaskId,
    /// The task that follows.
    pub successor: TaskId,
    /// Which ends of the two tasks are tied.
    pub kind: LinkType,
    /// Delay or lead.
    pub lag: Lag,
}

/// MS Project's eight scheduling constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// As soon as possible (the default).
    AsSoonAsPossible,
    /// As late as possible without delaying successors or the project finish.
    AsLateAsPossible,
    /// Start no earlier than the date.
    StartNoEarlierThan(DateTime),
    /// Start no later than the date.
    StartNoLaterThan(DateTime),
    /// Finish no earlier than the date.
    FinishNoEarlierThan(DateTime),
    /// Finish no later than the date.
    FinishNoLaterThan(DateTime),
    /// Must start on the date.
    MustStartOn(DateTime),
    /// Must finish on the date.
    MustFinishOn(DateTime),
}

/// Why [`Constraint::from_code`] could not make a constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintCodeError {
    /// Not one of the eight abbreviations.
    Unknown,
    /// A dated constraint without its date.
    MissingDate,
}

impl Constraint {
    /// The constraint an abbreviation names, with its date for the six dated ones.
    pub fn from_code(
        code: &str,
        date: Option<DateTime>,
    ) -> Result<Constraint, ConstraintCodeError> {
        let dated = |make: fn(DateTime) -> Constraint| {
            date.map(make).ok_or(ConstraintCodeError::MissingDate)
        };
        match code {
            "ASAP" => Ok(Constraint::AsSoonAsPossible),
            "ALAP" => Ok(Constraint::AsLateAsPossible),
            "SNET" => dated(Constraint::StartNoEarlierThan),
            "SNLT" => dated(Constraint::StartNoLaterThan),
            "FNET" => dated(Constraint::FinishNoEarlierThan),
            "FNLT" => dated(Constraint::FinishNoLaterThan),
            "MSO" => dated(Constraint::MustStartOn),
            "MFO" => dated(Constraint::MustFinishOn),
            _ => Err(ConstraintCodeError::Unknown),
        }
    }

    /// MS Project's abbreviation ("ASAP", "SNET", …).
    pub fn code(self) -> &'static str {
        match self {
            Constraint::AsSoonAsPossible => "ASAP",
            Constraint::AsLateAsPossible => "ALAP",
            Constraint::StartNoEarlierThan(_) => "SNET",
            Constraint::StartNoLaterThan(_) => "SNLT",
            Constraint::FinishNoEarlierThan(_) => "FNET",
            Constraint::FinishNoLaterThan(_) => "FNLT",
            Constraint::MustStartOn(_) => "MSO",
            Constraint::MustFinishOn(_) => "MFO",
        }
    }

    /// The constraint date, for the six dated constraints.
    pub fn date(self) -> Option<DateTime> {
        match self {
            Constraint::AsSoonAsPossible | Constraint::AsLateAsPossible => None,
            Constraint::StartNoEarlierThan(date)
            | Constraint::StartNoLaterThan(date)
            | Constraint::FinishNoEarlierThan(date)
            | Constraint::FinishNoLaterThan(date)
            | Constraint::MustStartOn(date)
            | Constraint::MustFinishOn(date) => Some(date),
        }
    }
}

/// Progress reported on a task.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Progress {
    /// When work really started.
    pub actual_start: Option<DateTime>,
    /// When work really finished (the task is then complete).
    pub actual_finish: Option<DateTime>,
    /// Share of the duration done, 0–100.
    pub percent_complete: f64,
    /// Duration still to do, when reported instead of (or besides) the percentage.
    pub remaining: Option<Duration>,
    /// When the remaining work resumes, for a started task that was interrupted (MS Project's
    /// Resume): the remaining duration is scheduled from here, not right after the work done.
    /// Boxed: few tasks have one, and every task carries the field (8 bytes instead of 16 keeps
    /// a plan under 1 KB a task).
    pub resume: Option<Box<DateTime>>,
}

/// A working-time calendar as written: a weekly pattern and exceptions to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDef {
    /// The calendar's name ("Standard", "Night shift").
    pub name: String,
    /// A calendar whose week days and exceptions this one inherits where it says nothing itself.
    pub base: Option<CalendarId>,
    /// Shifts of each week day, Monday first. `None` inherits the base calendar's day (or is a
    /// non-working day without a base); `Some(vec![])` is a non-working day.
    pub week: [Option<Vec<Shift>>; 7],
    /// Days that differ from the week: holidays, extra working days, changed hours.
    pub exceptions: Vec<CalendarException>,
}

impl CalendarDef {
    /// MS Project's "Standard" calendar: Monday to Friday, 08:00–12:00 and 13:00–17:00.
    pub fn standard() -> CalendarDef {
        let day = || {
            Some(vec![
                Shift::new(8 * 60, 12 * 60),
                Shift::new(13 * 60, 17 * 60),
            ])
        };
        CalendarDef {
            name: "Standard".to_string(),
            base: None,
            week: [
                day(),
                day(),
                day(),
                day(),
                day(),
                Some(vec![]),
                Some(vec![]),
            ],
            exceptions: Vec::new(),
        }
    }

    /// Every minute of every day is working time (MS Project's "24 Hours" calendar).
    pub fn twenty_four_hours() -> CalendarDef {
        let day = || Some(vec![Shift::new(0, 24 * 60)]);
        CalendarDef {
            name: "24 Hours".to_string(),
            base: None,
            week: [day(), day(), day(), day(), day(), day(), day()],
            exceptions: Vec::new(),
        }
    }
}

/// A span of working time within a day, in minutes after midnight.
///
/// `end` is in `1..=1440`. A shift whose `end` is not after its `start` crosses midnight: it
/// belongs to the day it starts on and runs into the next day until `end` (22:00–06:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// Start, minutes after midnight, `0..1440`.
    pub start: u16,
    /// End, minutes after midnight, `1..=1440`; at or before `start` when the shift crosses midnight.
    pub end: u16,
}

impl Shift {
    /// A shift from `start` to `end` minutes after midnight.
    pub const fn new(start: u16, end: u16) -> Shift {
        Shift { start, end }
    }

    /// Whether the shift runs past midnight into the next day.
    pub fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }

    /// Length in minutes.
    pub fn minutes(self) -> i64 {
        if self.crosses_midnight() {
            1440 - i64::from(self.start) + i64::from(self.end)
        } else {
            i64::from(self.end) - i64::from(self.start)
        }
    }

    /// Parses a shift "08:00-12:00". An end at or before the start crosses midnight
    /// ("22:00-06:00"); "24:00" (or "00:00" as an end) is midnight at the end of the day, so
    /// "00:00-24:00" is a full day. The error says what to write instead.
    pub fn parse(text: &str) -> Result<Shift, String> {
        let expected = || {
            format!(
                "bad working hours \"{text}\": write \"HH:MM-HH:MM\", e.g. \"08:00-12:00\" or \"22:00-06:00\" for a night shift"
            )
        };
        let (start, end) = text.split_once('-').ok_or_else(expected)?;
        let start_minutes = parse_clock(start.trim()).ok_or_else(expected)?;
        let end_minutes = parse_clock(end.trim()).ok_or_else(expected)?;
        if start_minutes == 1440 {
            return Err(format!(
                "bad working hours \"{text}\": a shift cannot start at 24:00; start it at 00:00"
            ));
        }
        let end_minutes = if end_minutes == 0 { 1440 } else { end_minutes };
        Ok(Shift::new(start_minutes, end_minutes))
    }
}

/// Written as [`Shift::parse`] reads it: "08:00-12:00", "22:00-06:00", "00:00-24:00".
impl fmt::Display for Shift {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// Parses "HH:MM" as minutes after midnight, `0..=1440` ("24:00" is the end of the day).
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let digits = |part: &str, lengths: &[usize]| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, &[1, 2]) || !digits(minutes, &[2]) {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    (minutes < 60 && (hours < 24 || (hours == 24 && minutes == 0))).then_some(hours * 60 + minutes)
}

/// Days from `from` to `to` (inclusive) that follow other hours than the week: with no shifts,
/// a holiday; with shifts, an extra working day or changed hours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarException {
    /// What people call it ("Christmas", "Cut-over weekend").
    pub name: String,
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
    /// Working shifts on those days; empty for a non-working day.
    pub shifts: Vec<Shift>,
}

/// What kind of resource: MS Project's three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A person or a machine whose working time is scheduled (units: 1.0 = full time).
    #[default]
    Work,
    /// Something consumed or issued to the project (laptops, licences, cable): units are
    /// quantities, not time.
    Material,
    /// A cost item booked on tasks (travel, a supplier's fixed fee).
    Cost,
}

impl ResourceKind {
    /// The kind a word names (see [`ResourceKind::code`]).
    pub fn from_code(code: &str) -> Option<ResourceKind> {
        [
            ResourceKind::Work,
            ResourceKind::Material,
            ResourceKind::Cost,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }

    /// The word used in plan files: `work`, `material`, `cost`.
    pub fn code(self) -> &'static str {
        match self {
            ResourceKind::Work => "work",
            ResourceKind::Material => "material",
            ResourceKind::Cost => "cost",
        }
    }
}

/// A resource: a person, a team, equipment, a material or a cost item.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Short unique id, used in plan files and assignments ("dana", "dba-team").
    pub key: String,
    /// Display name.
    pub name: String,
    /// Work, material or cost.
    pub kind: ResourceKind,
    /// Maximum units at once (1.0 = one full-time person, 3.0 = a team of three).
    pub max_units: f64,
    /// Periods with other maximum units (a contractor at 60% in July, leave at 0).
    pub availability: Vec<Availability>,
    /// The resource's working calendar (leave, part-time weeks); the project's when `None`.
    pub calendar: Option<CalendarId>,
    /// Cost per hour of work (work resources) or per unit (material).
    pub standard_rate: f64,
    /// Cost per hour of overtime.
    pub overtime_rate: f64,
    /// Cost each time the resource is assigned.
    pub cost_per_use: f64,
    /// Group or department.
    pub group: Option<String>,
    /// Initials, as shown on a Gantt bar.
    pub initials: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

impl Resource {
    /// A full-time work resource with no rates.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Resource {
        Resource {
            key: key.into(),
            name: name.into(),
            kind: ResourceKind::Work,
            max_units: 1.0,
            availability: Vec::new(),
            calendar: None,
            standard_rate: 0.0,
            overtime_rate: 0.0,
            cost_per_use: 0.0,
            group: None,
            initials: None,
            email: None,
        }
    }

    /// Maximum units at `at`: the availability period that holds it, or `max_units`.
    pub fn units_at(&self, at: DateTime) -> f64 {
        self.availability
            .iter()
            .find(|period| {
                period.from.is_none_or(|from| from <= at) && period.to.is_none_or(|to| at <= to)
            })
            .map_or(self.max_units, |period| period.units)
    }
}

/// Maximum units of a resource over a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    /// First moment of the period (open when `None`).
    pub from: Option<DateTime>,
    /// Last moment of the period (open when `None`).
    pub to: Option<DateTime>,
    /// Maximum units in the period.
    pub units: f64,
}

/// A resource working on a task.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The task.
    pub task: TaskId,
    /// The resource.
    pub resource: ResourceId,
    /// Units of the resource on the task (0.5 = half time; a quantity for material).
    pub units: f64,
    /// Work in minutes, when stated (otherwise units × the task's duration).
    pub work: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_task_stays_small() {
        // Issue 2's budget: under 1 KB a task at 100,000 tasks. A task's inline size must not
        // grow with what few tasks use (splits live in `Plan::splits`, a resume date is boxed):
        // 184 bytes before splits, the "leveling can split" flag fits in padding.
        assert_eq!(size_of::<Task>(), 184);
    }
}
