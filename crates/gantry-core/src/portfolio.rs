//! Several projects drawing on one pool of resources, as one plan: the portfolio that resource
//! leveling and resource usage work on when people are shared between projects.
//!
//! Each project becomes a top-level summary task that may not start before its project's start;
//! its tasks keep their calendars (the project calendar made explicit), links, constraints,
//! splits and progress. Resources with the same id in several projects are one resource of the
//! pool (the first project's definition wins). Task keys become `<project>/<key>`.

use std::collections::HashMap;
use std::ops::Range;

use crate::model::{
    Assignment, CalendarId, Constraint, Link, Plan, ResourceId, Split, Task, TaskId,
};

/// A portfolio: the combined plan and where each project's tasks are in it.
#[derive(Clone, Debug)]
pub struct Portfolio {
    /// All projects as one plan.
    pub plan: Plan,
    /// For each project, in order: the index of its summary task.
    pub summaries: Vec<TaskId>,
    /// For each project, in order: the range of its own tasks in `plan.tasks` (after the
    /// summary).
    pub tasks: Vec<Range<usize>>,
    /// Resource ids that two projects define differently (the first definition is used).
    pub conflicting_resources: Vec<String>,
}

/// Combines `projects` (with their names) into one plan. The status date is the latest of the
/// projects' status dates.
pub fn combine(projects: &[(String, Plan)]) -> Portfolio {
    let start = projects
        .iter()
        .map(|(_, plan)| plan.start)
        .min()
        .unwrap_or_default();
    let mut combined = Plan::new("Portfolio", start);
    combined.calendars.clear();
    combined.status_date = projects
        .iter()
        .filter_map(|(_, plan)| plan.status_date)
        .max();
    if let Some((_, first)) = projects.first() {
        combined.durations = first.durations;
    }
    let mut resource_ids: HashMap<String, ResourceId> = HashMap::new();
    let mut conflicting_resources = Vec::new();
    let mut summaries = Vec::new();
    let mut task_ranges = Vec::new();
    for (project_index, (name, plan)) in projects.iter().enumerate() {
        let calendar_offset = combined.calendars.len() as u32;
        for calendar in &plan.calendars {
            let mut calendar = calendar.clone();
            calendar.base = calendar
                .base
                .map(|base| CalendarId(base.0 + calendar_offset));
            combined.calendars.push(calendar);
        }
        if project_index == 0 {
            combined.calendar = CalendarId(plan.calendar.0 + calendar_offset);
        }
        let mut summary = Task::new(name.clone(), name.clone());
        summary.constraint = Constraint::StartNoEarlierThan(plan.start);
        let summary = combined.add_task(summary);
        summaries.push(summary);
        let task_offset = combined.tasks.len() as u32;
        for task in &plan.tasks {
            let mut task = task.clone();
            task.key = format!("{name}/{}", task.key);
            task.parent = Some(match task.parent {
                Some(parent) => TaskId(parent.0 + task_offset),
                None => summary,
            });
            task.calendar = Some(CalendarId(
                task.calendar.unwrap_or(plan.calendar).0 + calendar_offset,
            ));
            combined.tasks.push(task);
        }
        task_ranges.push(task_offset as usize..combined.tasks.len());
        for link in &plan.links {
            combined.links.push(Link {
                predecessor: TaskId(link.predecessor.0 + task_offset),
                successor: TaskId(link.successor.0 + task_offset),
                ..link.clone()
            });
        }
        let mut local: Vec<ResourceId> = Vec::with_capacity(plan.resources.len());
        for resource in &plan.resources {
            let mut resource = resource.clone();
            resource.calendar = resource
                .calendar
                .map(|id| CalendarId(id.0 + calendar_offset));
            let id = match resource_ids.get(&resource.key) {
                Some(&id) => {
                    let existing = &combined.resources[id.index()];
                    let same = existing.max_units == resource.max_units
                        && existing.availability == resource.availability
                        && existing.kind == resource.kind;
                    if !same && !conflicting_resources.contains(&resource.key) {
                        conflicting_resources.push(resource.key.clone());
                    }
                    id
                }
                None => {
                    let id = combined.add_resource(resource.clone());
                    resource_ids.insert(resource.key.clone(), id);
                    id
                }
            };
            local.push(id);
        }
        for split in &plan.splits {
            combined.splits.push(Split {
                task: TaskId(split.task.0 + task_offset),
                ..*split
            });
        }
        for assignment in &plan.assignments {
            combined.assignments.push(Assignment {
                task: TaskId(assignment.task.0 + task_offset),
                resource: local[assignment.resource.index()],
                ..assignment.clone()
            });
        }
    }
    Portfolio {
        plan: combined,
        summaries,
        tasks: task_ranges,
        conflicting_resources,
    }
}

impl Portfolio {
    /// Project `project`'s plan as it stands in the portfolio (after leveling, say): its tasks,
    /// links and assignments with their original keys and ids.
    pub fn project_plan(&self, combined: &Plan, original: &Plan, project: usize) -> Plan {
        let mut plan = original.clone();
        let range = self.tasks[project].clone();
        for (task, index) in plan.tasks.iter_mut().zip(range.clone()) {
            // Only what leveling changes is taken back: the constraint, a started task's resume
            // date and the splits.
            task.constraint = combined.tasks[index].constraint;
            task.progress.resume = combined.tasks[index].progress.resume.clone();
        }
        plan.splits = combined
            .splits
            .iter()
            .filter(|split| range.contains(&split.task.index()))
            .map(|split| Split {
                task: TaskId((split.task.index() - range.start) as u32),
                ..*split
            })
            .collect();
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpm::{ScheduleOptions, schedule};
    use crate::model::{Duration, Resource};

    #[test]
    fn two_projects_share_a_resource() {
        let mut first = Plan::new("crm", "2026-03-02T08:00".parse().expect("date"));
        let mut migrate = Task::new("migrate", "Migrate");
        migrate.duration = Duration::working(960);
        let migrate = first.add_task(migrate);
        let dana = first.add_resource(Resource::new("dana", "Dana"));
        first.assignments.push(Assignment {
            task: migrate,
            resource: dana,
            units: 1.0,
            work: None,
        });
        let mut second = Plan::new("dc", "2026-03-03T08:00".parse().expect("date"));
        let upgrade = second.add_task(Task::new("upgrade", "Upgrade"));
        let dana_again = second.add_resource(Resource::new("dana", "Dana K."));
        second.assignments.push(Assignment {
            task: upgrade,
            resource: dana_again,
            units: 1.0,
            work: None,
        });
        let portfolio = combine(&[("crm".into(), first.clone()), ("dc".into(), second.clone())]);
        assert_eq!(portfolio.plan.resources.len(), 1, "one Dana in the pool");
        assert!(portfolio.conflicting_resources.is_empty());
        assert_eq!(portfolio.plan.tasks[1].key, "crm/migrate");
        let computed = schedule(&portfolio.plan, &ScheduleOptions::default()).expect("schedules");
        // The data-centre project starts a day later: its summary holds its task back.
        let upgrade_index = portfolio.tasks[1].start;
        assert_eq!(
            computed.tasks[upgrade_index].start.to_civil(),
            "2026-03-03T08:00"
                .parse::<jiff::civil::DateTime>()
                .expect("date")
        );
        let back = portfolio.project_plan(&portfolio.plan, &second, 1);
        assert_eq!(back, second);
    }

    #[test]
    fn leveling_a_portfolio_splits_within_each_project() {
        // Dana builds for the CRM project (10 days, may split) and fixes for the data centre (3
        // days, higher priority, from Wednesday): the CRM build pauses, and its split comes back
        // to the CRM plan at its own task's index.
        let mut crm = Plan::new("crm", "2026-03-02T08:00".parse().expect("date"));
        crm.add_task(Task::new("kickoff", "Kick-off"));
        let mut build = Task::new("build", "Build");
        build.duration = Duration::working(10 * 480);
        build.leveling_can_split = true;
        let build = crm.add_task(build);
        let dana = crm.add_resource(Resource::new("dana", "Dana"));
        crm.assignments.push(Assignment {
            task: build,
            resource: dana,
            units: 1.0,
            work: None,
        });
        let mut dc = Plan::new("dc", "2026-03-04T08:00".parse().expect("date"));
        let mut fix = Task::new("fix", "Fix");
        fix.duration = Duration::working(3 * 480);
        fix.priority = 700;
        let fix = dc.add_task(fix);
        let dana_again = dc.add_resource(Resource::new("dana", "Dana"));
        dc.assignments.push(Assignment {
            task: fix,
            resource: dana_again,
            units: 1.0,
            work: None,
        });
        let portfolio = combine(&[("crm".into(), crm.clone()), ("dc".into(), dc.clone())]);
        let leveling = crate::level::level(&portfolio.plan, &Default::default()).expect("levels");
        assert_eq!(leveling.splits.len(), 1);
        let crm_after = portfolio.project_plan(&leveling.plan, &crm, 0);
        assert_eq!(
            crm_after.splits,
            [Split {
                task: build,
                after: 2 * 480,
                gap: 3 * 480
            }]
        );
        assert!(
            portfolio
                .project_plan(&leveling.plan, &dc, 1)
                .splits
                .is_empty()
        );
        // Combined again, the split lands on the same task.
        let again = combine(&[("crm".into(), crm_after), ("dc".into(), dc)]);
        assert_eq!(again.plan.splits, leveling.plan.splits);
    }
}
