//! What the property tests share: how far apart a link's two ends must be.

use gantry_core::calendar::WorkingCalendar;
use gantry_core::cpm::Schedule;
use gantry_core::model::{Lag, Link, LinkType, Plan};
use gantry_core::time::Instant;

/// The lag of a link in working minutes of the successor's calendar, or clock minutes (`true`).
pub fn lag_of(plan: &Plan, schedule: &Schedule, link: &Link) -> (i64, bool) {
    match link.lag {
        Lag::None => (0, false),
        Lag::Working(minutes) => (minutes, false),
        Lag::Elapsed(minutes) => (minutes, true),
        Lag::Percent(percent) => {
            let predecessor = schedule.task(link.predecessor);
            let base = if predecessor.is_summary {
                predecessor.duration_minutes
            } else {
                plan.task(link.predecessor).duration.minutes
            };
            ((base as f64 * percent / 100.0).round() as i64, false)
        }
    }
}

/// The lag a link's ends are checked against in the early (or `late`) schedule: its own, except
/// where MS Project's handling of elapsed lags leaves only the order of the two ends to hold.
pub fn checked_lag(plan: &Plan, schedule: &Schedule, link: &Link, late: bool) -> (i64, bool) {
    let lag = lag_of(plan, schedule, link);
    if lag.1
        && matches!(
            link.kind,
            LinkType::FinishToFinish | LinkType::StartToFinish
        )
    {
        // MS Project adds an elapsed lag to the successor's start, not its finish, and the
        // backward pass mirrors that (see cpm::Engine::link_start_bound): measured at the
        // finish, only the order of the two ends holds.
        return (0, false);
    }
    if lag.1 && late && matches!(link.kind, LinkType::StartToStart | LinkType::StartToFinish) {
        // MS Project computes the predecessor's late finish from a late start that may fall in
        // non-working time, which moves that start to the next working period: an elapsed lag
        // on a start-tied link can then be shortened by a night or a weekend in the late
        // schedule. We keep MS Project's dates; the order holds.
        return (0, false);
    }
    lag
}

/// Whether `to` is at least `lag` after `from`, as the link counts it: working lags in working
/// minutes; an elapsed lag in clock minutes, where an instant in non-working time counts as the
/// working time that follows it (a successor cannot start on a Sunday morning).
pub fn honours(
    calendar: &WorkingCalendar,
    from: Instant,
    to: Instant,
    (lag, elapsed): (i64, bool),
) -> bool {
    if elapsed {
        calendar.work_before(to) >= calendar.work_before(from.plus_minutes(lag))
    } else {
        calendar.work_before(to) >= calendar.work_before(from) + lag
    }
}
