//! The scheduling formula, work = duration × units, and how MS Project keeps it when a project
//! manager edits one of its terms.
//!
//! Each task has a [`TaskType`] that says which term is held: a fixed-units task keeps its people's
//! units (new work makes it longer), a fixed-duration task keeps its dates (new work raises the
//! units), a fixed-work task keeps its effort (more people finish sooner). An effort-driven task
//! keeps its total work when people join or leave it: a second developer halves a fixed-units
//! task instead of doubling its work. The edits below are the only way the server and the CLI
//! change durations, work and units, so that the three stay in step.
//!
//! Only work resources (people and machines) take part: a material's units are a quantity and a
//! cost resource has none. Work and durations are whole minutes; a task's duration is the longest
//! of its assignments' work over their units.

use crate::model::{Assignment, Plan, ResourceId, ResourceKind, TaskId, TaskType};

/// An edit that would break the plan, refused before anything changes.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorkEditError {
    /// The task id is outside the plan.
    #[error("task #{} does not exist", task.0)]
    UnknownTask {
        /// The missing task.
        task: TaskId,
    },
    /// The resource id is outside the plan.
    #[error("resource #{} does not exist", resource.0)]
    UnknownResource {
        /// The missing resource.
        resource: ResourceId,
    },
    /// The assignment index is outside the plan.
    #[error("assignment #{assignment} does not exist")]
    UnknownAssignment {
        /// Index in [`Plan::assignments`].
        assignment: usize,
    },
    /// Summary tasks roll their work up from their subtasks.
    #[error("\"{key}\" is a summary task: its work and duration roll up from its subtasks")]
    SummaryTask {
        /// The summary task's key.
        key: String,
    },
    /// The resource already works on the task.
    #[error("\"{resource}\" is already assigned to \"{task}\"")]
    AlreadyAssigned {
        /// The task's key.
        task: String,
        /// The resource's key.
        resource: String,
    },
    /// Units must be a positive, finite number.
    #[error("units must be above zero, not {units}")]
    Units {
        /// What was asked for.
        units: f64,
    },
    /// Work and durations cannot be negative.
    #[error("{what} cannot be negative ({minutes} minutes)")]
    Negative {
        /// "work" or "duration".
        what: &'static str,
        /// What was asked for.
        minutes: i64,
    },
    /// Work was set on a task that nobody works on.
    #[error("\"{key}\" has no people or machines assigned: assign someone before setting its work")]
    NoWorkResources {
        /// The task's key.
        key: String,
    },
    /// A task of zero duration whose duration is held cannot take any work.
    #[error("\"{key}\" is a {kind} task of zero duration: it cannot take work")]
    NoTimeForWork {
        /// The task's key.
        key: String,
        /// "fixed-duration" or "fixed-work".
        kind: &'static str,
    },
}

impl Plan {
    /// The work of an assignment in minutes: as stated, or its units times the task's duration.
    /// Zero for materials and cost resources, whose units are not time.
    pub fn assignment_work(&self, assignment: usize) -> i64 {
        let entry = &self.assignments[assignment];
        if self.resources[entry.resource.index()].kind != ResourceKind::Work {
            return 0;
        }
        entry.work.unwrap_or_else(|| {
            round(self.tasks[entry.task.index()].duration.minutes as f64 * entry.units)
        })
    }

    /// The total work of a task in minutes: the sum over its people and machines.
    pub fn task_work(&self, task: TaskId) -> i64 {
        self.work_assignments(task)
            .into_iter()
            .map(|index| self.assignment_work(index))
            .sum()
    }

    /// Assigns `resource` to `task` with `units` and returns the new assignment's index.
    ///
    /// The first person on a task books units × duration of work. A person joining an
    /// effort-driven task (every fixed-work task is) shares the work already there in proportion
    /// to units: a fixed-units or fixed-work task gets shorter, a fixed-duration task keeps its
    /// dates and everyone's units drop. On a task that is not effort-driven the newcomer adds
    /// units × duration and the duration stands.
    pub fn assign(
        &mut self,
        task: TaskId,
        resource: ResourceId,
        units: f64,
    ) -> Result<usize, WorkEditError> {
        self.check_leaf(task)?;
        let Some(kind) = self.resources.get(resource.index()).map(|r| r.kind) else {
            return Err(WorkEditError::UnknownResource { resource });
        };
        check_units(units)?;
        if self
            .assignments
            .iter()
            .any(|a| a.task == task && a.resource == resource)
        {
            return Err(WorkEditError::AlreadyAssigned {
                task: self.tasks[task.index()].key.clone(),
                resource: self.resources[resource.index()].key.clone(),
            });
        }
        if kind != ResourceKind::Work {
            self.assignments.push(Assignment {
                task,
                resource,
                units,
                work: None,
            });
            return Ok(self.assignments.len() - 1);
        }
        self.state_work(task);
        let others = self.work_assignments(task);
        let entry = &self.tasks[task.index()];
        let shares_work = !others.is_empty() && self.is_effort_driven(task);
        let work = if shares_work {
            0
        } else {
            round(entry.duration.minutes as f64 * units)
        };
        self.assignments.push(Assignment {
            task,
            resource,
            units,
            work: Some(work),
        });
        let index = self.assignments.len() - 1;
        if shares_work {
            let total: i64 = others.iter().map(|&i| self.assignment_work(i)).sum();
            let mut everyone = others;
            everyone.push(index);
            self.share_work(task, &everyone, total);
        }
        Ok(index)
    }

    /// Removes an assignment and returns it. On an effort-driven task the others take over its
    /// work (a fixed-units task gets longer, a fixed-duration one raises their units); otherwise
    /// its work leaves with it and the duration stands.
    pub fn unassign(&mut self, assignment: usize) -> Result<Assignment, WorkEditError> {
        let Some(entry) = self.assignments.get(assignment) else {
            return Err(WorkEditError::UnknownAssignment { assignment });
        };
        let task = entry.task;
        if self.resources[entry.resource.index()].kind != ResourceKind::Work {
            return Ok(self.assignments.remove(assignment));
        }
        self.state_work(task);
        let total = self.task_work(task);
        let removed = self.assignments.remove(assignment);
        let rest = self.work_assignments(task);
        if !rest.is_empty() && self.is_effort_driven(task) {
            self.share_work(task, &rest, total);
        }
        Ok(removed)
    }

    /// Sets a task's duration. Fixed-units and fixed-duration tasks scale their work with it;
    /// a fixed-work task keeps its work and its people's units change instead.
    pub fn set_duration(&mut self, task: TaskId, minutes: i64) -> Result<(), WorkEditError> {
        self.check_leaf(task)?;
        if minutes < 0 {
            return Err(WorkEditError::Negative {
                what: "duration",
                minutes,
            });
        }
        let people = self.work_assignments(task);
        let entry = &self.tasks[task.index()];
        let old = entry.duration.minutes;
        let fixed_work = !people.is_empty() && entry.task_type == TaskType::FixedWork;
        if fixed_work && minutes == 0 && self.task_work(task) > 0 {
            return Err(WorkEditError::NoTimeForWork {
                key: entry.key.clone(),
                kind: "fixed-work",
            });
        }
        self.state_work(task);
        if fixed_work {
            for &index in &people {
                let assignment = &mut self.assignments[index];
                let work = assignment.work.unwrap_or(0);
                assignment.units = if old > 0 {
                    assignment.units * old as f64 / minutes as f64
                } else if work > 0 {
                    work as f64 / minutes as f64
                } else {
                    assignment.units
                };
            }
        } else {
            for &index in &people {
                let assignment = &mut self.assignments[index];
                let work = assignment.work.unwrap_or(0);
                assignment.work = Some(if old > 0 {
                    round(work as f64 * minutes as f64 / old as f64)
                } else {
                    round(minutes as f64 * assignment.units)
                });
            }
        }
        self.tasks[task.index()].duration.minutes = minutes;
        Ok(())
    }

    /// Sets a task's total work, shared among its people as their work was (in proportion to
    /// units when none had any). A fixed-duration task changes their units; the other types
    /// change the duration.
    pub fn set_work(&mut self, task: TaskId, minutes: i64) -> Result<(), WorkEditError> {
        self.check_leaf(task)?;
        if minutes < 0 {
            return Err(WorkEditError::Negative {
                what: "work",
                minutes,
            });
        }
        let people = self.work_assignments(task);
        let entry = &self.tasks[task.index()];
        if people.is_empty() {
            return Err(WorkEditError::NoWorkResources {
                key: entry.key.clone(),
            });
        }
        if entry.task_type == TaskType::FixedDuration && entry.duration.minutes == 0 && minutes > 0
        {
            return Err(WorkEditError::NoTimeForWork {
                key: entry.key.clone(),
                kind: "fixed-duration",
            });
        }
        self.state_work(task);
        let old_total = self.task_work(task);
        let weights: Vec<f64> = people
            .iter()
            .map(|&index| {
                let assignment = &self.assignments[index];
                if old_total > 0 {
                    assignment.work.unwrap_or(0) as f64
                } else {
                    assignment.units
                }
            })
            .collect();
        let shares = apportion(minutes, &weights);
        for (&index, work) in people.iter().zip(shares) {
            self.assignments[index].work = Some(work);
        }
        self.settle(task, &people);
        Ok(())
    }

    /// Sets the units of an assignment. A fixed-duration task keeps the assignment's span and
    /// changes its work; the other types keep the work and change the duration.
    pub fn set_units(&mut self, assignment: usize, units: f64) -> Result<(), WorkEditError> {
        let Some(entry) = self.assignments.get(assignment) else {
            return Err(WorkEditError::UnknownAssignment { assignment });
        };
        check_units(units)?;
        let task = entry.task;
        if self.resources[entry.resource.index()].kind != ResourceKind::Work {
            self.assignments[assignment].units = units;
            return Ok(());
        }
        self.state_work(task);
        let fixed_duration = self.tasks[task.index()].task_type == TaskType::FixedDuration;
        let entry = &mut self.assignments[assignment];
        if fixed_duration {
            let work = entry.work.unwrap_or(0);
            entry.work = Some(round(work as f64 * units / entry.units));
            entry.units = units;
        } else {
            entry.units = units;
            let people = self.work_assignments(task);
            self.settle(task, &people);
        }
        Ok(())
    }

    /// Sets the work of one assignment. A fixed-duration task changes its units to fit the
    /// work in its span; the other types change the duration.
    pub fn set_assignment_work(
        &mut self,
        assignment: usize,
        minutes: i64,
    ) -> Result<(), WorkEditError> {
        let Some(entry) = self.assignments.get(assignment) else {
            return Err(WorkEditError::UnknownAssignment { assignment });
        };
        if minutes < 0 {
            return Err(WorkEditError::Negative {
                what: "work",
                minutes,
            });
        }
        let task = entry.task;
        if self.resources[entry.resource.index()].kind != ResourceKind::Work {
            return Err(WorkEditError::NoWorkResources {
                key: self.tasks[task.index()].key.clone(),
            });
        }
        let entry_task = &self.tasks[task.index()];
        if entry_task.task_type == TaskType::FixedDuration
            && entry_task.duration.minutes == 0
            && minutes > 0
        {
            return Err(WorkEditError::NoTimeForWork {
                key: entry_task.key.clone(),
                kind: "fixed-duration",
            });
        }
        self.state_work(task);
        self.assignments[assignment].work = Some(minutes);
        let people = self.work_assignments(task);
        self.settle(task, &people);
        Ok(())
    }

    /// Changes a task's type. A fixed-work task is always effort-driven, as in MS Project.
    pub fn set_task_type(
        &mut self,
        task: TaskId,
        task_type: TaskType,
    ) -> Result<(), WorkEditError> {
        self.check_leaf(task)?;
        self.state_work(task);
        let entry = &mut self.tasks[task.index()];
        entry.task_type = task_type;
        if task_type == TaskType::FixedWork {
            entry.effort_driven = true;
        }
        Ok(())
    }

    /// Indexes of the assignments of people and machines on `task`, in plan order.
    fn work_assignments(&self, task: TaskId) -> Vec<usize> {
        self.assignments
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.task == task && self.resources[a.resource.index()].kind == ResourceKind::Work
            })
            .map(|(index, _)| index)
            .collect()
    }

    fn is_effort_driven(&self, task: TaskId) -> bool {
        let entry = &self.tasks[task.index()];
        entry.effort_driven || entry.task_type == TaskType::FixedWork
    }

    /// Writes the derived work (units × duration) on the task's assignments that have none, so
    /// that an edit starts from figures, not from a formula that the edit is about to change.
    fn state_work(&mut self, task: TaskId) {
        for index in self.work_assignments(task) {
            let work = self.assignment_work(index);
            self.assignments[index].work = Some(work);
        }
    }

    /// Shares `total` work among `people` in proportion to their units, so that they all finish
    /// together, then brings the units or the duration in step.
    fn share_work(&mut self, task: TaskId, people: &[usize], total: i64) {
        let weights: Vec<f64> = people
            .iter()
            .map(|&index| self.assignments[index].units)
            .collect();
        let shares = apportion(total, &weights);
        for (&index, work) in people.iter().zip(shares) {
            self.assignments[index].work = Some(work);
        }
        self.settle(task, people);
    }

    /// After the work changed: a fixed-duration task sets each person's units to spread their
    /// work over the duration; the other types take the duration from the longest assignment.
    fn settle(&mut self, task: TaskId, people: &[usize]) {
        let entry = &self.tasks[task.index()];
        if entry.task_type == TaskType::FixedDuration {
            let minutes = entry.duration.minutes;
            if minutes > 0 {
                for &index in people {
                    let assignment = &mut self.assignments[index];
                    assignment.units = assignment.work.unwrap_or(0) as f64 / minutes as f64;
                }
            }
            return;
        }
        let longest = people
            .iter()
            .map(|&index| &self.assignments[index])
            .filter(|assignment| assignment.units > 0.0)
            .map(|assignment| round(assignment.work.unwrap_or(0) as f64 / assignment.units))
            .max();
        if let Some(minutes) = longest {
            self.tasks[task.index()].duration.minutes = minutes;
        }
    }

    fn check_leaf(&self, task: TaskId) -> Result<(), WorkEditError> {
        if task.index() >= self.tasks.len() {
            return Err(WorkEditError::UnknownTask { task });
        }
        if self.tasks.iter().any(|t| t.parent == Some(task)) {
            return Err(WorkEditError::SummaryTask {
                key: self.tasks[task.index()].key.clone(),
            });
        }
        Ok(())
    }
}

fn check_units(units: f64) -> Result<(), WorkEditError> {
    if units.is_finite() && units > 0.0 {
        Ok(())
    } else {
        Err(WorkEditError::Units { units })
    }
}

fn round(minutes: f64) -> i64 {
    minutes.round() as i64
}

/// Splits `total` minutes in proportion to `weights` so that the shares add up to `total`
/// exactly (each share is the rounded running total minus the one before it).
fn apportion(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        let count = weights.len().max(1) as f64;
        return apportion(total, &vec![1.0 / count; weights.len()]);
    }
    let mut running = 0.0;
    let mut previous = 0i64;
    weights
        .iter()
        .map(|weight| {
            running += weight;
            let reached = round(total as f64 * running / sum);
            let share = reached - previous;
            previous = reached;
            share
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Resource, Task};
    use jiff::civil::date;

    const DAY: i64 = 480;

    /// A plan with one ten-day task and two people, Dana and Ops.
    fn plan(task_type: TaskType, effort_driven: bool) -> Plan {
        let mut plan = Plan::new("Work", date(2026, 3, 2).at(8, 0, 0, 0));
        let mut task = Task::new("build", "Build");
        task.duration.minutes = 10 * DAY;
        task.task_type = task_type;
        task.effort_driven = effort_driven;
        plan.add_task(task);
        plan.add_resource(Resource::new("dana", "Dana"));
        plan.add_resource(Resource::new("ops", "Ops"));
        plan
    }

    fn duration(plan: &Plan) -> i64 {
        plan.tasks[0].duration.minutes
    }

    fn works(plan: &Plan) -> Vec<i64> {
        (0..plan.assignments.len())
            .map(|i| plan.assignment_work(i))
            .collect()
    }

    fn all_units(plan: &Plan) -> Vec<f64> {
        plan.assignments.iter().map(|a| a.units).collect()
    }

    #[test]
    fn the_first_person_books_units_times_duration() {
        let mut plan = plan(TaskType::FixedUnits, true);
        plan.assign(TaskId(0), ResourceId(0), 0.5).unwrap();
        // Ten days at half time: 40 hours.
        assert_eq!(works(&plan), [40 * 60]);
        assert_eq!(duration(&plan), 10 * DAY);
    }

    #[test]
    fn an_effort_driven_fixed_units_task_gaining_a_second_person_halves() {
        let mut plan = plan(TaskType::FixedUnits, true);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        // 80 hours of work stay 80 hours, now 40 each: five days.
        assert_eq!(works(&plan), [40 * 60, 40 * 60]);
        assert_eq!(duration(&plan), 5 * DAY);
        assert_eq!(plan.task_work(TaskId(0)), 80 * 60);
    }

    #[test]
    fn a_task_that_is_not_effort_driven_gains_work_instead() {
        let mut plan = plan(TaskType::FixedUnits, false);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        assert_eq!(works(&plan), [80 * 60, 80 * 60]);
        assert_eq!(duration(&plan), 10 * DAY);
    }

    #[test]
    fn a_fixed_duration_effort_driven_task_lowers_everyones_units() {
        let mut plan = plan(TaskType::FixedDuration, true);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        assert_eq!(duration(&plan), 10 * DAY);
        assert_eq!(works(&plan), [40 * 60, 40 * 60]);
        assert_eq!(all_units(&plan), [0.5, 0.5]);
    }

    #[test]
    fn a_fixed_work_task_is_always_effort_driven_and_shares_by_units() {
        let mut plan = plan(TaskType::FixedWork, false);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        // Ops at half time takes a third of the 80 hours, Dana two thirds: both finish together.
        plan.assign(TaskId(0), ResourceId(1), 0.5).unwrap();
        assert_eq!(works(&plan), [3200, 1600]);
        assert_eq!(duration(&plan), 3200);
    }

    #[test]
    fn leaving_an_effort_driven_task_hands_the_work_over() {
        let mut plan = plan(TaskType::FixedUnits, true);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        let removed = plan.unassign(1).unwrap();
        assert_eq!(removed.resource, ResourceId(1));
        assert_eq!(works(&plan), [80 * 60]);
        assert_eq!(duration(&plan), 10 * DAY);
    }

    #[test]
    fn leaving_a_task_that_is_not_effort_driven_takes_the_work_along() {
        let mut plan = plan(TaskType::FixedUnits, false);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        plan.unassign(0).unwrap();
        assert_eq!(works(&plan), [80 * 60]);
        assert_eq!(duration(&plan), 10 * DAY);
    }

    #[test]
    fn a_new_duration_changes_work_or_units_by_task_type() {
        for (task_type, work, units) in [
            (TaskType::FixedUnits, 40 * 60, 1.0),
            (TaskType::FixedDuration, 40 * 60, 1.0),
            (TaskType::FixedWork, 80 * 60, 2.0),
        ] {
            let mut plan = plan(task_type, false);
            plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
            plan.set_duration(TaskId(0), 5 * DAY).unwrap();
            assert_eq!(duration(&plan), 5 * DAY, "{task_type:?}");
            assert_eq!(works(&plan), [work], "{task_type:?}");
            assert_eq!(all_units(&plan), [units], "{task_type:?}");
        }
    }

    #[test]
    fn new_work_changes_duration_or_units_by_task_type() {
        for (task_type, minutes, units) in [
            (TaskType::FixedUnits, 15 * DAY, 1.0),
            (TaskType::FixedDuration, 10 * DAY, 1.5),
            (TaskType::FixedWork, 15 * DAY, 1.0),
        ] {
            let mut plan = plan(task_type, false);
            plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
            plan.set_work(TaskId(0), 120 * 60).unwrap();
            assert_eq!(duration(&plan), minutes, "{task_type:?}");
            assert_eq!(works(&plan), [120 * 60], "{task_type:?}");
            assert_eq!(all_units(&plan), [units], "{task_type:?}");
        }
    }

    #[test]
    fn new_units_change_duration_or_work_by_task_type() {
        for (task_type, minutes, work) in [
            (TaskType::FixedUnits, 20 * DAY, 80 * 60),
            (TaskType::FixedDuration, 10 * DAY, 40 * 60),
            (TaskType::FixedWork, 20 * DAY, 80 * 60),
        ] {
            let mut plan = plan(task_type, false);
            plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
            plan.set_units(0, 0.5).unwrap();
            assert_eq!(duration(&plan), minutes, "{task_type:?}");
            assert_eq!(works(&plan), [work], "{task_type:?}");
        }
    }

    #[test]
    fn the_longest_assignment_sets_the_duration() {
        let mut plan = plan(TaskType::FixedUnits, false);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), ResourceId(1), 1.0).unwrap();
        plan.set_assignment_work(1, 120 * 60).unwrap();
        assert_eq!(duration(&plan), 15 * DAY);
        assert_eq!(works(&plan), [80 * 60, 120 * 60]);
    }

    #[test]
    fn materials_do_not_take_part() {
        let mut plan = plan(TaskType::FixedUnits, true);
        let mut laptops = Resource::new("laptops", "Laptops");
        laptops.kind = ResourceKind::Material;
        let laptops = plan.add_resource(laptops);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        plan.assign(TaskId(0), laptops, 5.0).unwrap();
        assert_eq!(duration(&plan), 10 * DAY);
        assert_eq!(works(&plan), [80 * 60, 0]);
    }

    #[test]
    fn bad_edits_are_refused_and_change_nothing() {
        let mut plan = plan(TaskType::FixedWork, false);
        let summary = plan.add_task(Task::new("phase", "Phase"));
        let mut child = Task::new("child", "Child");
        child.parent = Some(summary);
        plan.add_task(child);
        plan.assign(TaskId(0), ResourceId(0), 1.0).unwrap();
        let before = plan.clone();
        assert_eq!(
            plan.assign(TaskId(0), ResourceId(0), 1.0),
            Err(WorkEditError::AlreadyAssigned {
                task: "build".into(),
                resource: "dana".into()
            })
        );
        assert_eq!(
            plan.assign(TaskId(0), ResourceId(1), 0.0),
            Err(WorkEditError::Units { units: 0.0 })
        );
        assert!(matches!(
            plan.assign(summary, ResourceId(1), 1.0),
            Err(WorkEditError::SummaryTask { .. })
        ));
        assert!(matches!(
            plan.set_duration(TaskId(0), 0),
            Err(WorkEditError::NoTimeForWork { .. })
        ));
        assert!(matches!(
            plan.set_work(TaskId(2), 60),
            Err(WorkEditError::NoWorkResources { .. })
        ));
        assert!(matches!(
            plan.set_work(TaskId(0), -1),
            Err(WorkEditError::Negative { .. })
        ));
        assert_eq!(plan, before);
    }

    #[test]
    fn apportioned_shares_add_up() {
        assert_eq!(apportion(100, &[1.0, 1.0, 1.0]), [33, 34, 33]);
        assert_eq!(apportion(7, &[0.0, 0.0]), [4, 3]);
        assert_eq!(apportion(4800, &[1.0, 0.5]), [3200, 1600]);
    }
}
