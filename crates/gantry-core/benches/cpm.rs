//! The critical path engine on the benchmark network of `gantry bench cpm`: 100,000 tasks with
//! about 2.4 links each (mixed link types and lags, the standard calendar with holidays), scheduled
//! by one reused [`Scheduler`] as the server and the CLI do. `gantry bench cpm` prints the same
//! figure with peak memory; this bench is the one to profile (`perf record` on its binary).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gantry_core::cpm::{ScheduleOptions, Scheduler};
use gantry_core::generate::{NetworkShape, random_plan};

fn bench_cpm(c: &mut Criterion) {
    let mut group = c.benchmark_group("cpm");
    group.sample_size(20);
    for tasks in [10_000, 100_000] {
        let plan = random_plan(&NetworkShape::benchmark(tasks, 1));
        let options = ScheduleOptions::default();
        let mut scheduler = Scheduler::new();
        group.bench_function(format!("schedule/{tasks} tasks"), |b| {
            b.iter(|| {
                black_box(
                    scheduler
                        .schedule(black_box(&plan), &options)
                        .expect("the benchmark network schedules"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_cpm);
criterion_main!(benches);
