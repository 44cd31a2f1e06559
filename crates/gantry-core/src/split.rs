//! Split tasks (MS Project's splits): where a task's work pauses, and the stretches in which it
//! works.
//!
//! A [`Split`] says: after `after` working minutes of the task's duration, `gap` working minutes
//! of the task's calendar without work, then the rest. It applies to a leaf task of working
//! (not elapsed) duration that has not started, when `after` lies inside the duration and `gap`
//! is positive (plan files refuse other splits with their position; a split that stops fitting,
//! because the duration was shortened, is no split). Once progress is reported on a task its
//! splits no longer apply: the engine schedules the remaining work as for any started task, and a
//! pause in started work is a resume date ([`crate::model::Progress::resume`]). The schedule
//! warns of each split that stopped applying, and why
//! ([`crate::cpm::DiagnosticKind::IgnoredSplit`]).
//!
//! The critical path engine schedules a split task over its duration plus its gaps on the task's
//! calendar (the one place it knows of splits); resource usage and timephased cost book work only
//! in the stretches between the gaps ([`SplitWindows`]).

use std::sync::Arc;

use crate::calendar::{CalendarError, WorkingCalendar};
use crate::model::{CalendarId, Plan, Split, TaskId};
use crate::time::Instant;

/// Whether a split of `task` (a summary task when `is_summary`) applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SplitFate {
    /// It does: the task pauses.
    Applies,
    /// No input makes it (no work before it, or no length): it is no split.
    Malformed,
    /// It did once, and stopped applying, for this reason.
    Stopped(&'static str),
}

/// See [`SplitFate`].
pub(crate) fn split_fate(task: &crate::model::Task, is_summary: bool, split: &Split) -> SplitFate {
    if is_summary {
        SplitFate::Stopped("it is a summary task now")
    } else if task.duration.elapsed {
        SplitFate::Stopped("its duration is elapsed time")
    } else if task.is_started() {
        SplitFate::Stopped("it has started (a pause in started work is a resume date)")
    } else if split.after >= task.duration.minutes {
        SplitFate::Stopped("its duration is no longer than the work before the pause")
    } else if split.gap <= 0 || split.after <= 0 {
        SplitFate::Malformed
    } else {
        SplitFate::Applies
    }
}

/// The splits of `plan` that apply (see the module's documentation), sorted by task and then by
/// the work before them. Two splits of a task at the same point count as one pause of their
/// gaps together.
pub fn applying_splits(plan: &Plan) -> Vec<Split> {
    if plan.splits.is_empty() {
        return Vec::new();
    }
    let is_summary = plan.summary_flags();
    let mut splits: Vec<Split> = plan
        .splits
        .iter()
        .filter(|split| {
            plan.tasks.get(split.task.index()).is_some_and(|task| {
                split_fate(task, is_summary[split.task.index()], split) == SplitFate::Applies
            })
        })
        .copied()
        .collect();
    splits.sort_by_key(|split| (split.task, split.after));
    splits.dedup_by(|later, earlier| {
        if later.task == earlier.task && later.after == earlier.after {
            earlier.gap += later.gap;
            true
        } else {
            false
        }
    });
    splits
}

/// The total of the gaps that apply on each task, in working minutes of its calendar: what the
/// critical path engine adds to the task's span. Empty when no split applies (most plans).
pub fn split_gaps(plan: &Plan) -> Vec<i64> {
    let splits = applying_splits(plan);
    if splits.is_empty() {
        return Vec::new();
    }
    let mut gaps = vec![0i64; plan.tasks.len()];
    for split in splits {
        gaps[split.task.index()] = gaps[split.task.index()].saturating_add(split.gap);
    }
    gaps
}

/// The splits of `task` within `splits` sorted as [`applying_splits`] gives them.
pub fn splits_of(splits: &[Split], task: TaskId) -> &[Split] {
    let from = splits.partition_point(|split| split.task < task);
    let to = splits.partition_point(|split| split.task <= task);
    &splits[from..to]
}

/// The calendars whose working time the engine schedules `task` in (see [`SplitWindows`]);
/// `resource_calendars` is [`Plan::resource_calendars`].
fn calendar_parts(
    plan: &Plan,
    resource_calendars: &[Vec<CalendarId>],
    task: TaskId,
) -> Vec<CalendarId> {
    match (
        plan.task(task).calendar,
        resource_calendars
            .get(task.index())
            .map_or(&[][..], Vec::as_slice),
    ) {
        (Some(own), _) => vec![own],
        (None, []) => vec![plan.calendar],
        (None, several) => several.to_vec(),
    }
}

/// Working calendars (one calendar, or the union of several) built once and shared while the
/// plan's calendar definitions stay the same: resource leveling asks for the same few calendars
/// in every round, and building one that carries decades of holidays costs more than the
/// round's schedule.
#[derive(Clone, Debug, Default)]
pub struct CalendarCache {
    /// The definitions the calendars below were built from.
    definitions: Vec<crate::model::CalendarDef>,
    built: Vec<(Vec<CalendarId>, Arc<WorkingCalendar>)>,
}

impl CalendarCache {
    /// An empty cache.
    pub fn new() -> CalendarCache {
        CalendarCache::default()
    }

    /// Forgets what was built when `plan`'s calendars differ from those it was built from.
    pub fn sync(&mut self, plan: &Plan) {
        if self.definitions != plan.calendars {
            self.definitions.clone_from(&plan.calendars);
            self.built.clear();
        }
    }

    /// The calendar made of `parts` (one, or the union of several), built on first use.
    /// [`CalendarCache::sync`] must have been called with `plan` since its calendars changed.
    pub fn get(
        &mut self,
        plan: &Plan,
        parts: &[CalendarId],
    ) -> Result<Arc<WorkingCalendar>, CalendarError> {
        debug_assert!(self.definitions == plan.calendars, "sync the cache first");
        if let Some((_, calendar)) = self.built.iter().find(|(ids, _)| ids == parts) {
            return Ok(Arc::clone(calendar));
        }
        let calendar = Arc::new(build_calendar(plan, parts)?);
        self.built.push((parts.to_vec(), Arc::clone(&calendar)));
        Ok(calendar)
    }
}

/// One calendar, or the union of several.
fn build_calendar(plan: &Plan, parts: &[CalendarId]) -> Result<WorkingCalendar, CalendarError> {
    let singles = parts
        .iter()
        .map(|&id| WorkingCalendar::build(&plan.calendars, id))
        .collect::<Result<Vec<_>, _>>()?;
    match &singles[..] {
        [single] => Ok(single.clone()),
        several => {
            let names: Vec<&str> = several.iter().map(WorkingCalendar::name).collect();
            WorkingCalendar::union(names.join(" + "), &several.iter().collect::<Vec<_>>())
        }
    }
}

/// The calendar the critical path engine schedules `task` on, in which its splits' pauses are
/// counted: its own; else its work resources' shared calendar, or the union of theirs; else the
/// project's. `resource_calendars` is [`Plan::resource_calendars`].
pub fn task_calendar(
    plan: &Plan,
    resource_calendars: &[Vec<CalendarId>],
    task: TaskId,
) -> Result<WorkingCalendar, CalendarError> {
    build_calendar(plan, &calendar_parts(plan, resource_calendars, task))
}

/// [`task_calendar`] from `cache` (synced with `plan` by the caller).
pub fn cached_task_calendar(
    plan: &Plan,
    resource_calendars: &[Vec<CalendarId>],
    task: TaskId,
    cache: &mut CalendarCache,
) -> Result<Arc<WorkingCalendar>, CalendarError> {
    cache.get(plan, &calendar_parts(plan, resource_calendars, task))
}

/// The stretches in which split tasks work under a schedule, on the calendar the engine
/// scheduled each of them on (its own; else its work resources' shared calendar, or the union of
/// theirs; else the project's). A started task whose remaining work resumes after a pause
/// ([`crate::model::Progress::resume`]) has such a pause too: from the end of the work done to
/// the resume date.
pub struct SplitWindows {
    splits: Vec<Split>,
    /// Started tasks whose remaining work resumes later: the task, the duration done (working
    /// minutes) and the resume date, in task order.
    resumes: Vec<(TaskId, i64, Instant)>,
    /// Per task with a pause, in task order: the task and its calendar.
    calendars: Vec<(TaskId, Arc<WorkingCalendar>)>,
}

impl SplitWindows {
    /// The pauses of `plan` that apply, with the calendars of their tasks built.
    pub fn new(plan: &Plan) -> Result<SplitWindows, CalendarError> {
        SplitWindows::with_cache(plan, &mut CalendarCache::new())
    }

    /// [`SplitWindows::new`], taking the calendars from `cache`.
    pub fn with_cache(
        plan: &Plan,
        cache: &mut CalendarCache,
    ) -> Result<SplitWindows, CalendarError> {
        let splits = applying_splits(plan);
        let resumes: Vec<(TaskId, i64, Instant)> = plan
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(index, task)| {
                let resume = task.progress.resume.as_deref()?;
                let complete = task.progress.actual_finish.is_some()
                    || task.progress.percent_complete >= 100.0;
                (task.is_started() && !complete && !task.duration.elapsed).then(|| {
                    (
                        TaskId(index as u32),
                        done_minutes(&task.progress, task.duration.minutes.max(0)),
                        Instant::from_civil(*resume),
                    )
                })
            })
            .collect();
        let mut paused: Vec<TaskId> = splits
            .iter()
            .map(|split| split.task)
            .chain(resumes.iter().map(|(task, ..)| *task))
            .collect();
        paused.sort_unstable();
        paused.dedup();
        let mut calendars: Vec<(TaskId, Arc<WorkingCalendar>)> = Vec::with_capacity(paused.len());
        if !paused.is_empty() {
            cache.sync(plan);
            let resource_calendars = plan.resource_calendars();
            for task in paused {
                let parts = calendar_parts(plan, &resource_calendars, task);
                calendars.push((task, cache.get(plan, &parts)?));
            }
        }
        Ok(SplitWindows {
            splits,
            resumes,
            calendars,
        })
    }

    /// Whether no task pauses.
    pub fn is_empty(&self) -> bool {
        self.calendars.is_empty()
    }

    /// Whether `task` pauses: it is split, or its remaining work resumes after a pause.
    pub fn pauses(&self, task: TaskId) -> bool {
        self.calendar(task).is_some()
    }

    /// The splits of `task` that apply, in order of the work before them.
    pub fn splits(&self, task: TaskId) -> &[Split] {
        splits_of(&self.splits, task)
    }

    fn calendar(&self, task: TaskId) -> Option<&WorkingCalendar> {
        self.calendars
            .binary_search_by_key(&task, |(id, _)| *id)
            .ok()
            .map(|index| &*self.calendars[index].1)
    }

    /// The stretches `[from, to)` in which `task`, scheduled from `start` to `finish`, works:
    /// one stretch for a task without pauses, one more per pause otherwise.
    pub fn windows(
        &self,
        task: TaskId,
        start: Instant,
        finish: Instant,
    ) -> Vec<(Instant, Instant)> {
        let Some(calendar) = self.calendar(task) else {
            return vec![(start, finish)];
        };
        let first = calendar.work_before(start);
        if let Ok(index) = self.resumes.binary_search_by_key(&task, |(id, ..)| *id) {
            // As the engine schedules a started task: the work done from its start, the rest
            // from the resume date (when that is later).
            let (_, done, resume) = self.resumes[index];
            let stop = calendar.finish_at(first + done);
            let restart = calendar.next_work_start(resume);
            return match (stop, restart) {
                (Ok(stop), Ok(restart)) if start < stop && stop < restart && restart < finish => {
                    vec![(start, stop), (restart, finish)]
                }
                _ => vec![(start, finish)],
            };
        }
        let splits = self.splits(task);
        let mut windows = Vec::with_capacity(splits.len() + 1);
        let (mut from, mut gaps) = (start, 0i64);
        for split in splits {
            let piece_end = calendar.finish_at(first + gaps + split.after);
            gaps += split.gap;
            let next_start = calendar.start_at(first + gaps + split.after);
            let (Ok(piece_end), Ok(next_start)) = (piece_end, next_start) else {
                // Past the calendar's end: the rest runs unbroken to the finish.
                break;
            };
            if piece_end > from {
                windows.push((from, piece_end.min(finish)));
            }
            from = next_start.min(finish);
        }
        if finish > from || windows.is_empty() {
            windows.push((from, finish));
        }
        windows
    }
}

/// The part of `minutes` of duration that progress reports as done, as the engine counts it.
fn done_minutes(reported: &crate::model::Progress, minutes: i64) -> i64 {
    if let Some(remaining) = reported.remaining {
        (minutes - remaining.minutes).clamp(0, minutes)
    } else {
        ((minutes as f64) * reported.percent_complete.clamp(0.0, 100.0) / 100.0).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpm::{ScheduleOptions, schedule};
    use crate::model::{Duration, Task};

    fn at(text: &str) -> Instant {
        Instant::from_civil(text.parse().expect("a date-time"))
    }

    #[test]
    fn a_split_task_spans_its_gap_and_works_around_it() {
        let mut plan = Plan::new("split", "2026-03-02T08:00".parse().expect("date"));
        let mut task = Task::new("build", "Build");
        task.duration = Duration::working(10 * 480);
        let task = plan.add_task(task);
        plan.splits.push(Split {
            task,
            after: 2 * 480,
            gap: 3 * 480,
        });
        let schedule = schedule(&plan, &ScheduleOptions::default()).expect("schedules");
        let computed = schedule.task(task);
        // Mon 2 – Tue 3 work, Wed 4 – Fri 6 paused, Mon 9 – Wed 18 work.
        assert_eq!(computed.start, at("2026-03-02T08:00"));
        assert_eq!(computed.finish, at("2026-03-18T17:00"));
        assert_eq!(computed.duration_minutes, 10 * 480);
        let windows = SplitWindows::new(&plan).expect("calendars");
        assert_eq!(
            windows.windows(task, computed.start, computed.finish),
            [
                (at("2026-03-02T08:00"), at("2026-03-03T17:00")),
                (at("2026-03-09T08:00"), at("2026-03-18T17:00")),
            ]
        );
    }

    #[test]
    fn splits_that_do_not_fit_or_started_tasks_do_not_apply() {
        let mut plan = Plan::new("split", "2026-03-02T08:00".parse().expect("date"));
        let mut task = Task::new("a", "A");
        task.duration = Duration::working(2 * 480);
        let task = plan.add_task(task);
        for (after, gap) in [(0, 480), (2 * 480, 480), (480, 0), (480, -5)] {
            plan.splits.push(Split { task, after, gap });
        }
        assert!(applying_splits(&plan).is_empty());
        plan.splits.push(Split {
            task,
            after: 480,
            gap: 480,
        });
        assert_eq!(split_gaps(&plan), [480]);
        plan.tasks[0].progress.percent_complete = 10.0;
        assert!(split_gaps(&plan).is_empty());
    }

    #[test]
    fn a_split_that_stops_applying_is_a_warning() {
        use crate::cpm::{DiagnosticKind, ScheduleOptions, schedule};
        let mut plan = Plan::new("split", "2026-03-02T08:00".parse().expect("date"));
        let mut task = Task::new("build", "Build");
        task.duration = Duration::working(4 * 480);
        let task = plan.add_task(task);
        plan.splits.push(Split {
            task,
            after: 2 * 480,
            gap: 480,
        });
        let warnings = |plan: &Plan| -> Vec<String> {
            schedule(plan, &ScheduleOptions::default())
                .expect("schedules")
                .diagnostics
                .into_iter()
                .filter(|diagnostic| diagnostic.kind == DiagnosticKind::IgnoredSplit)
                .map(|diagnostic| diagnostic.message)
                .collect()
        };
        assert!(warnings(&plan).is_empty());
        plan.tasks[0].duration = Duration::working(2 * 480);
        assert_eq!(
            warnings(&plan),
            [
                "\"Build\": the pause after 2d of work no longer applies: its duration is no longer than the work before the pause"
            ]
        );
        plan.tasks[0].duration = Duration::working(4 * 480);
        plan.tasks[0].progress.percent_complete = 25.0;
        assert_eq!(
            warnings(&plan),
            [
                "\"Build\": the pause after 2d of work no longer applies: it has started (a pause in started work is a resume date)"
            ]
        );
    }
}
