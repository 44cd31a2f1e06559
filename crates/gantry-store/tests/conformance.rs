//! One conformance suite, run on both backends: a SQLite file in a temporary folder always, and
//! PostgreSQL when `GANTRY_TEST_POSTGRES_URL` is set (CI sets it; each run works in a schema of
//! its own, dropped at the end). Every scenario must behave the same on both.

use std::io::Write as _;
use std::path::Path;

use gantry_core::cpm::{ScheduleOptions, schedule};
use gantry_core::model::{Constraint, Duration, Lag, LinkType, Plan};
use gantry_store::{Edit, NewUser, Role, Store, StoreError, TaskChanges};
use sqlx::Connection;

/// A database to run a scenario on, cleaned up when dropped.
struct Backend {
    name: &'static str,
    store: Store,
    _folder: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Backend {
    async fn drop_schema(&self) {
        if let Some((url, schema)) = &self.schema {
            self.store.close().await;
            let mut connection = sqlx::PgConnection::connect(url).await.expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut connection)
                .await
                .expect("drop schema");
        }
    }
}

/// The backends a scenario runs on: SQLite, and PostgreSQL when configured.
async fn backends(scenario: &str) -> Vec<Backend> {
    let folder = tempfile::tempdir().expect("temp dir");
    let sqlite = Store::open_sqlite_file(&folder.path().join("gantry.db"))
        .await
        .expect("open sqlite");
    let mut backends = vec![Backend {
        name: "sqlite",
        store: sqlite,
        _folder: Some(folder),
        schema: None,
    }];
    match std::env::var("GANTRY_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = format!(
                "gantry_test_{}_{}_{}",
                scenario,
                std::process::id(),
                jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
            );
            let mut connection = sqlx::PgConnection::connect(&url)
                .await
                .expect("GANTRY_TEST_POSTGRES_URL is set but PostgreSQL does not answer");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut connection)
                .await
                .expect("create schema");
            let separator = if url.contains('?') { '&' } else { '?' };
            let store = Store::open(&format!("{url}{separator}options[search_path]={schema}"))
                .await
                .expect("open postgres");
            backends.push(Backend {
                name: "postgres",
                store,
                _folder: None,
                schema: Some((url, schema)),
            });
        }
        // Written to stderr directly, past the test harness's capture, so that a run without
        // PostgreSQL says so.
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {scenario} on PostgreSQL (GANTRY_TEST_POSTGRES_URL is not set); SQLite ran"
            );
        }
    }
    backends
}

fn load(relative: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    gantry_formats::load_plan(&path)
        .unwrap_or_else(|error| panic!("{relative}: {error}"))
        .plan
}

async fn user(store: &Store, name: &str, is_admin: bool) -> i64 {
    store
        .create_user(&NewUser {
            username: name.to_string(),
            display_name: name.to_uppercase(),
            password_hash: format!("hash-of-{name}"),
            is_admin,
        })
        .await
        .expect("create user")
        .id
}

#[tokio::test]
async fn users_sessions_and_tokens() {
    for backend in backends("accounts").await {
        let store = &backend.store;
        let name = backend.name;
        assert_eq!(store.user_count().await.unwrap(), 0, "{name}");
        let dana = user(store, "dana", false).await;
        let duplicate = store
            .create_user(&NewUser {
                username: "dana".into(),
                display_name: "Another Dana".into(),
                password_hash: "x".into(),
                is_admin: false,
            })
            .await;
        assert!(
            matches!(
                duplicate,
                Err(StoreError::Duplicate {
                    what: "username",
                    ..
                })
            ),
            "{name}: {duplicate:?}"
        );
        let (found, hash) = store.user_for_login("dana").await.unwrap().expect("dana");
        assert_eq!((found.id, hash.as_str()), (dana, "hash-of-dana"), "{name}");
        assert!(store.user_for_login("nobody").await.unwrap().is_none());

        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
        store
            .create_session("session-hash", dana, "csrf", later)
            .await
            .unwrap();
        let session = store.session("session-hash").await.unwrap().expect("live");
        assert_eq!(
            (session.user.id, session.csrf_token.as_str()),
            (dana, "csrf")
        );
        let earlier = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
        store
            .create_session("old-hash", dana, "csrf2", earlier)
            .await
            .unwrap();
        assert!(
            store.session("old-hash").await.unwrap().is_none(),
            "{name}: expired"
        );

        let token = store.create_token(dana, "CI", "token-hash").await.unwrap();
        assert_eq!(
            store
                .user_for_token("token-hash")
                .await
                .unwrap()
                .map(|u| u.id),
            Some(dana)
        );
        assert!(store.tokens(dana).await.unwrap()[0].last_used_at.is_some());
        store.revoke_token(dana, token.id).await.unwrap();
        assert!(store.user_for_token("token-hash").await.unwrap().is_none());
        assert!(matches!(
            store.revoke_token(dana + 100, token.id).await,
            Err(StoreError::NotFound { .. })
        ));

        // A new password ends every session.
        store.set_password_hash(dana, "new-hash").await.unwrap();
        assert!(
            store.session("session-hash").await.unwrap().is_none(),
            "{name}"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn plans_come_back_exactly_as_stored() {
    let plans = [
        "examples/crm-rollout.toml",
        "examples/datacentre-migration.toml",
        "examples/network-refresh.toml",
        "crates/gantry/tests/cases/resources.toml",
        "crates/gantry/tests/cases/task_types.toml",
        "crates/gantry/tests/cases/progress.toml",
        "crates/gantry/tests/cases/calendars.toml",
        "crates/gantry/tests/cases/splits.toml",
    ];
    for backend in backends("round_trip").await {
        let store = &backend.store;
        let owner = user(store, "owner", false).await;
        for relative in plans {
            let plan = load(relative);
            let stored = store.create_project(&plan, owner).await.expect(relative);
            assert_eq!(stored.plan, plan, "{}: {relative} as written", backend.name);
            let again = store.plan(stored.project_id).await.expect("load");
            assert_eq!(again.plan, plan, "{}: {relative} read back", backend.name);
            assert_eq!(
                again.task_ids, stored.task_ids,
                "{}: {relative}",
                backend.name
            );
        }
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn members_see_their_projects_and_nothing_else() {
    for backend in backends("members").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let viewer = user(store, "victor", false).await;
        let admin = user(store, "admin", true).await;
        let crm = store
            .create_project(&load("examples/crm-rollout.toml"), owner)
            .await
            .unwrap()
            .project_id;
        let network = store
            .create_project(&load("examples/network-refresh.toml"), admin)
            .await
            .unwrap()
            .project_id;
        let ids = |list: Vec<gantry_store::ProjectSummary>| -> Vec<(i64, Option<Role>)> {
            list.into_iter().map(|p| (p.id, p.role)).collect()
        };
        assert_eq!(
            ids(store.projects_for(owner, false).await.unwrap()),
            [(crm, Some(Role::Owner))],
            "{name}"
        );
        assert!(store.projects_for(viewer, false).await.unwrap().is_empty());
        store
            .set_member(crm, viewer, Role::Viewer, Some(owner))
            .await
            .unwrap();
        assert_eq!(store.role(crm, viewer).await.unwrap(), Some(Role::Viewer));
        assert_eq!(store.role(network, viewer).await.unwrap(), None);
        assert_eq!(
            ids(store.projects_for(viewer, false).await.unwrap()),
            [(crm, Some(Role::Viewer))]
        );
        // An administrator sees every project, named by project name.
        let all = store.projects_for(admin, true).await.unwrap();
        assert_eq!(all.len(), 2, "{name}");
        let members = store.members(crm).await.unwrap();
        assert_eq!(
            members
                .iter()
                .map(|m| (m.username.as_str(), m.role))
                .collect::<Vec<_>>(),
            [("olivia", Role::Owner), ("victor", Role::Viewer)]
        );
        store.remove_member(crm, viewer, Some(owner)).await.unwrap();
        assert!(store.projects_for(viewer, false).await.unwrap().is_empty());
        let history = store.history(crm, None, 10).await.unwrap();
        assert_eq!(
            history
                .iter()
                .map(|h| (h.entity.as_str(), h.action.as_str(), h.label.as_str()))
                .collect::<Vec<_>>(),
            [
                ("member", "delete", "victor"),
                ("member", "create", "victor"),
                ("project", "create", "CRM roll-out"),
            ],
            "{name}"
        );
        backend.drop_schema().await;
    }
}

/// Indexes of the tasks without subtasks.
fn leaves(plan: &Plan) -> Vec<usize> {
    let summaries = plan.summary_flags();
    (0..plan.tasks.len()).filter(|&i| !summaries[i]).collect()
}

/// The row id of the task with `key`.
fn task_id(stored: &gantry_store::StoredPlan, key: &str) -> (i64, i64) {
    let index = stored
        .plan
        .tasks
        .iter()
        .position(|task| task.key == key)
        .unwrap_or_else(|| panic!("no task {key}"));
    (stored.task_ids[index], stored.task_versions[index])
}

#[tokio::test]
async fn an_edit_is_versioned_scheduled_and_recorded() {
    for backend in backends("edits").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let stored = store
            .create_project(&load("examples/crm-rollout.toml"), owner)
            .await
            .unwrap();
        let project = stored.project_id;
        let key = stored.plan.tasks[leaves(&stored.plan)[0]].key.clone();
        let (id, version) = task_id(&stored, &key);

        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::UpdateTask {
                    task: id,
                    version,
                    changes: TaskChanges {
                        name: Some("Renamed".into()),
                        duration: Some(Duration::working(7 * 480)),
                        ..TaskChanges::default()
                    },
                },
            )
            .await
            .expect("edit");
        assert_eq!(task_id(&outcome.plan, &key).1, version + 1, "{name}");
        let reloaded = store.plan(project).await.unwrap();
        assert_eq!(
            reloaded.plan, outcome.plan.plan,
            "{name}: stored as scheduled"
        );
        assert_eq!(reloaded.version, outcome.plan.version, "{name}");
        // The schedule returned is the schedule of the stored plan.
        let fresh = schedule(&reloaded.plan, &ScheduleOptions::default()).unwrap();
        assert_eq!(
            fresh.project_finish, outcome.schedule.project_finish,
            "{name}"
        );

        // A second client editing from the old version is refused, and nothing changes.
        let stale = store
            .edit(
                project,
                Some(owner),
                Edit::UpdateTask {
                    task: id,
                    version,
                    changes: TaskChanges {
                        name: Some("Overwritten".into()),
                        ..TaskChanges::default()
                    },
                },
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { expected, current, .. }) if expected == version && current == version + 1),
            "{name}: {stale:?}"
        );
        assert_eq!(store.plan(project).await.unwrap(), reloaded, "{name}");

        let history = store.history(project, None, 1).await.unwrap();
        let entry = &history[0];
        assert_eq!(
            (
                entry.entity.as_str(),
                entry.action.as_str(),
                entry.entity_id
            ),
            ("task", "update", id)
        );
        assert_eq!(entry.username.as_deref(), Some("olivia"));
        let fields: Vec<(&str, Option<&str>)> = entry
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.new.as_deref()))
            .collect();
        assert!(
            fields.contains(&("name", Some("Renamed"))),
            "{name}: {fields:?}"
        );
        assert!(
            fields.contains(&("duration_minutes", Some("3360"))),
            "{name}: {fields:?}"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn a_loop_is_refused_with_its_tasks_and_nothing_is_stored() {
    for backend in backends("loops").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let mut plan = Plan::new("Loop", jiff::civil::date(2026, 3, 2).at(8, 0, 0, 0));
        for key in ["design", "build", "test"] {
            plan.add_task(gantry_core::model::Task::new(key, key));
        }
        plan.add_link(gantry_core::model::Link {
            predecessor: gantry_core::model::TaskId(0),
            successor: gantry_core::model::TaskId(1),
            kind: LinkType::FinishToStart,
            lag: Lag::None,
        });
        plan.add_link(gantry_core::model::Link {
            predecessor: gantry_core::model::TaskId(1),
            successor: gantry_core::model::TaskId(2),
            kind: LinkType::FinishToStart,
            lag: Lag::None,
        });
        // A plan naming a predecessor twice is refused whole, before anything is written.
        let mut twice = plan.clone();
        twice.add_link(twice.links[0].clone());
        let refused = store.create_project(&twice, owner).await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid { field: Some("links"), tasks, .. }) if tasks == &["design", "build"]),
            "{name}: {refused:?}"
        );
        assert!(
            store.projects_for(owner, true).await.unwrap().is_empty(),
            "{name}"
        );

        let stored = store.create_project(&plan, owner).await.unwrap();
        let before = store.plan(stored.project_id).await.unwrap();
        let refused = store
            .edit(
                stored.project_id,
                Some(owner),
                Edit::CreateLink {
                    predecessor: task_id(&stored, "test").0,
                    successor: task_id(&stored, "design").0,
                    kind: LinkType::FinishToStart,
                    lag: Lag::None,
                },
            )
            .await;
        match refused {
            Err(StoreError::Invalid { tasks, message, .. }) => {
                let mut tasks = tasks;
                tasks.sort();
                assert_eq!(tasks, ["build", "design", "test"], "{name}: {message}");
                assert!(message.contains("loop"), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            store.plan(stored.project_id).await.unwrap(),
            before,
            "{name}"
        );
        assert_eq!(
            store
                .history(stored.project_id, None, 10)
                .await
                .unwrap()
                .len(),
            1,
            "{name}: only the creation is recorded"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn tasks_and_links_are_created_and_deleted_with_their_subtrees() {
    for backend in backends("structure").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let stored = store
            .create_project(&load("examples/network-refresh.toml"), owner)
            .await
            .unwrap();
        let project = stored.project_id;
        // A new task under the first summary task, last among its children.
        let summary = stored
            .plan
            .summary_flags()
            .iter()
            .position(|&is_summary| is_summary)
            .expect("a summary");
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::CreateTask {
                    parent: Some(stored.task_ids[summary]),
                    key: Some("extra-check".into()),
                    name: "Extra check".into(),
                    changes: TaskChanges {
                        duration: Some(Duration::working(2 * 480)),
                        constraint: Some(Constraint::StartNoEarlierThan(stored.plan.start)),
                        ..TaskChanges::default()
                    },
                },
            )
            .await
            .expect("create");
        let created = outcome.created.expect("a new task id");
        let reloaded = store.plan(project).await.unwrap();
        assert_eq!(reloaded.plan, outcome.plan.plan, "{name}");
        let index = reloaded.task_index(created).expect("stored");
        assert_eq!(
            reloaded.plan.tasks[index].parent.map(|p| p.index()),
            Some(summary)
        );
        // A duplicate key is refused.
        let duplicate = store
            .edit(
                project,
                Some(owner),
                Edit::CreateTask {
                    parent: None,
                    key: Some("extra-check".into()),
                    name: "Again".into(),
                    changes: TaskChanges::default(),
                },
            )
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::Duplicate { .. })),
            "{name}: {duplicate:?}"
        );

        // Link it after the project's first leaf task, then delete the summary with its subtree.
        let first_leaf = leaves(&reloaded.plan)
            .into_iter()
            .find(|&i| reloaded.plan.tasks[i].parent.map(|p| p.index()) != Some(summary))
            .expect("a leaf outside the summary");
        let linked = store
            .edit(
                project,
                Some(owner),
                Edit::CreateLink {
                    predecessor: reloaded.task_ids[first_leaf],
                    successor: created,
                    kind: LinkType::StartToStart,
                    lag: Lag::Working(240),
                },
            )
            .await
            .expect("link");
        let link = linked.created.expect("link id");
        let reloaded = store.plan(project).await.unwrap();
        assert!(reloaded.link_index(link).is_some());
        let summary_id = reloaded.task_ids[summary];
        let deleted = store
            .edit(
                project,
                Some(owner),
                Edit::DeleteTask {
                    task: summary_id,
                    version: reloaded.task_versions[summary],
                },
            )
            .await
            .expect("delete");
        let after = store.plan(project).await.unwrap();
        assert_eq!(after.plan, deleted.plan.plan, "{name}");
        assert!(after.task_index(summary_id).is_none());
        assert!(after.task_index(created).is_none());
        assert!(
            after.link_index(link).is_none(),
            "{name}: its links went with it"
        );
        assert!(
            after.plan.tasks.len() < reloaded.plan.tasks.len() - 1,
            "{name}: the subtree went too"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn concurrent_edits_serialize_and_lose_nothing() {
    for backend in backends("concurrency").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let stored = store
            .create_project(&load("examples/datacentre-migration.toml"), owner)
            .await
            .unwrap();
        let project = stored.project_id;
        let leaves = leaves(&stored.plan);

        // Two clients edit the same task from the same version: one wins, one gets a conflict.
        let (id, version) = (stored.task_ids[leaves[0]], stored.task_versions[leaves[0]]);
        let edit = |text: &str| Edit::UpdateTask {
            task: id,
            version,
            changes: TaskChanges {
                name: Some(text.to_string()),
                ..TaskChanges::default()
            },
        };
        let (first, second) = tokio::join!(
            store.edit(project, Some(owner), edit("First")),
            store.edit(project, Some(owner), edit("Second"))
        );
        let outcomes = [first.is_ok(), second.is_ok()];
        assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{name}");
        let loser = if first.is_ok() { second } else { first };
        assert!(
            matches!(loser, Err(StoreError::Conflict { .. })),
            "{name}: {loser:?}"
        );

        // Many clients edit different tasks at once: every edit lands.
        let current = store.plan(project).await.unwrap();
        let mut handles = Vec::new();
        for (n, &leaf) in leaves.iter().enumerate().take(20) {
            let store = store.clone();
            let (id, version) = (current.task_ids[leaf], current.task_versions[leaf]);
            handles.push(tokio::spawn(async move {
                store
                    .edit(
                        project,
                        Some(owner),
                        Edit::UpdateTask {
                            task: id,
                            version,
                            changes: TaskChanges {
                                duration: Some(Duration::working(480 * (1 + n as i64 % 4))),
                                ..TaskChanges::default()
                            },
                        },
                    )
                    .await
                    .map(|outcome| outcome.schedule.project_finish)
            }));
        }
        for handle in handles {
            handle.await.expect("join").expect("every edit lands");
        }
        let last = store.plan(project).await.unwrap();
        for (n, &leaf) in leaves.iter().enumerate().take(20) {
            assert_eq!(
                last.plan.tasks[leaf].duration.minutes,
                480 * (1 + n as i64 % 4),
                "{name}"
            );
        }
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn tasks_move_with_their_subtrees_in_the_wbs() {
    for backend in backends("moves").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        const PLAN: &str = "[project]\nname = \"Moves\"\nstart = 2026-03-02\n\n\
            [[task]]\nid = \"phase\"\n\n\
            [[task]]\nid = \"survey\"\nparent = \"phase\"\nduration = \"2d\"\n\n\
            [[task]]\nid = \"design\"\nparent = \"phase\"\nduration = \"3d\"\nafter = [\"survey\"]\n\n\
            [[task]]\nid = \"loose\"\nafter = [\"survey\"]\n";
        let plan = gantry_formats::parse_plan("moves.toml", PLAN).unwrap().plan;
        let stored = store.create_project(&plan, owner).await.unwrap();
        let project = stored.project_id;
        let (leaf_id, leaf_version) = task_id(&stored, "loose");
        let summary_id = task_id(&stored, "phase").0;
        let keys = |stored: &gantry_store::StoredPlan| -> Vec<String> {
            stored
                .plan
                .tasks
                .iter()
                .map(|task| task.key.clone())
                .collect()
        };

        // Indent "loose" under the phase, as its first child.
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::MoveTask {
                    task: leaf_id,
                    version: leaf_version,
                    parent: Some(summary_id),
                    position: Some(0),
                },
            )
            .await
            .expect("indent");
        let moved = store.plan(project).await.unwrap();
        assert_eq!(moved.plan, outcome.plan.plan, "{name}");
        assert_eq!(
            keys(&moved),
            ["phase", "loose", "survey", "design"],
            "{name}"
        );
        let at = moved.task_index(leaf_id).unwrap();
        let summary_at = moved.task_index(summary_id).unwrap();
        assert_eq!(
            moved.plan.tasks[at].parent.map(|p| p.index()),
            Some(summary_at),
            "{name}"
        );
        assert!(moved.plan.validate_structure().is_ok(), "{name}");

        // A summary cannot move under its own subtask.
        let refused = store
            .edit(
                project,
                Some(owner),
                Edit::MoveTask {
                    task: summary_id,
                    version: moved.task_versions[summary_at],
                    parent: Some(leaf_id),
                    position: None,
                },
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Invalid {
                    field: Some("parent_id"),
                    ..
                })
            ),
            "{name}: {refused:?}"
        );
        assert_eq!(store.plan(project).await.unwrap(), moved, "{name}");

        // Outdent it back to the top level, last.
        store
            .edit(
                project,
                Some(owner),
                Edit::MoveTask {
                    task: leaf_id,
                    version: moved.task_versions[at],
                    parent: None,
                    position: None,
                },
            )
            .await
            .expect("outdent");
        let back = store.plan(project).await.unwrap();
        assert_eq!(
            keys(&back),
            ["phase", "survey", "design", "loose"],
            "{name}"
        );
        assert_eq!(back.plan.tasks[3].parent, None, "{name}");
        // Its link moved with it.
        assert_eq!(back.plan.links.len(), 2, "{name}");
        assert!(
            back.plan
                .links
                .iter()
                .any(|link| link.successor.index() == 3),
            "{name}"
        );
        backend.drop_schema().await;
    }
}

/// The project calendar's exceptions, calendars, the project's own fields, resources and
/// leveling go through the same versioned, scheduled, recorded edits as tasks, and what the
/// tables hold afterwards is exactly the plan the edit returned.
#[tokio::test]
async fn calendars_resources_and_leveling_are_edited_like_tasks() {
    use gantry_core::model::{Availability, CalendarException, Shift};
    use gantry_core::usage::{Period, resource_usage};
    use gantry_store::{CalendarChanges, ProjectChanges, ResourceChanges, SetupEdit};

    for backend in backends("setup").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let stored = store
            .create_project(&load("examples/crm-rollout.toml"), owner)
            .await
            .unwrap();
        let project = stored.project_id;
        let first = schedule(&stored.plan, &ScheduleOptions::default()).unwrap();
        let setup = |edit: SetupEdit| Edit::Setup(edit);
        let same_as_tables = |outcome: &gantry_store::EditOutcome| {
            let outcome_plan = outcome.plan.clone();
            async move {
                let tables = store.plan_from_tables(project).await.unwrap();
                assert_eq!(
                    tables, outcome_plan,
                    "{name}: the tables hold the edited plan"
                );
            }
        };

        // A holiday on the day the first leaf task starts pushes it to the next working day.
        let leaf = leaves(&stored.plan)[0];
        let leaf_start = first.tasks[leaf].start;
        let day = leaf_start.to_civil().date();
        let calendar_index = stored.plan.calendar.index();
        let calendar = stored.calendar_ids[calendar_index];
        let calendar_version = stored.calendar_versions[calendar_index];
        let holiday = CalendarException {
            name: "Company day".into(),
            from: day,
            to: day,
            shifts: Vec::new(),
        };
        let outcome = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateException {
                    calendar,
                    version: calendar_version,
                    exception: holiday.clone(),
                }),
            )
            .await
            .expect("holiday");
        let exception = outcome.created.expect("exception id");
        assert!(
            outcome.schedule.tasks[leaf].start > leaf_start,
            "{name}: the task moved off the holiday"
        );
        assert_eq!(
            outcome.plan.calendar_versions[calendar_index],
            calendar_version + 1,
            "{name}: an exception raises its calendar's version"
        );
        same_as_tables(&outcome).await;
        let history = store.history(project, None, 1).await.unwrap();
        assert_eq!(history[0].entity, "calendar", "{name}");
        assert!(
            history[0].changes[0]
                .new
                .as_deref()
                .is_some_and(|text| text.contains("Company day")),
            "{name}: {:?}",
            history[0].changes
        );
        // Someone who read the calendar before the holiday cannot change it blindly.
        let stale = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateException {
                    calendar,
                    version: calendar_version,
                    exception: holiday.clone(),
                }),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{name}: {stale:?}"
        );
        let renamed = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::UpdateException {
                    calendar,
                    version: calendar_version + 1,
                    exception,
                    value: CalendarException {
                        name: "Staff day".into(),
                        ..holiday.clone()
                    },
                }),
            )
            .await
            .expect("rename the holiday");
        same_as_tables(&renamed).await;
        let removed = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::DeleteException {
                    calendar,
                    version: calendar_version + 2,
                    exception,
                }),
            )
            .await
            .expect("remove the holiday");
        assert_eq!(removed.schedule.tasks[leaf].start, leaf_start, "{name}");
        assert_eq!(removed.schedule.project_finish, first.project_finish);
        same_as_tables(&removed).await;

        // A night-shift calendar; one without any working time is refused and nothing stored.
        let night = |day_hours: Option<Vec<Shift>>| {
            let mut week: [Option<Option<Vec<Shift>>>; 7] = Default::default();
            for day in week.iter_mut().take(5) {
                *day = Some(day_hours.clone());
            }
            week
        };
        let version_before = store.project_version(project).await.unwrap();
        let empty = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateCalendar {
                    changes: CalendarChanges {
                        name: Some("Never".into()),
                        base: None,
                        week: night(Some(Vec::new())),
                    },
                }),
            )
            .await;
        assert!(
            matches!(&empty, Err(StoreError::Invalid { field: Some("calendar"), message, .. }) if message.contains("no working time")),
            "{name}: {empty:?}"
        );
        assert_eq!(
            store.project_version(project).await.unwrap(),
            version_before,
            "{name}: a refused edit stores nothing"
        );
        let created = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateCalendar {
                    changes: CalendarChanges {
                        name: Some("Night shift".into()),
                        base: None,
                        week: night(Some(vec![Shift::new(22 * 60, 6 * 60)])),
                    },
                }),
            )
            .await
            .expect("night calendar");
        let night_id = created.created.expect("calendar id");
        same_as_tables(&created).await;

        // The project follows the night calendar: the plan is rescheduled on it.
        let moved = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::Project {
                    version: created.plan.version,
                    changes: ProjectChanges {
                        name: Some("CRM rollout (nights)".into()),
                        status_date: Some(Some(stored.plan.start)),
                        calendar: Some(night_id),
                        ..ProjectChanges::default()
                    },
                }),
            )
            .await
            .expect("project calendar");
        assert_ne!(
            moved.schedule.project_finish, first.project_finish,
            "{name}"
        );
        same_as_tables(&moved).await;
        let in_use = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::DeleteCalendar {
                    calendar: night_id,
                    version: 1,
                }),
            )
            .await;
        assert!(
            matches!(&in_use, Err(StoreError::Invalid { message, .. }) if message.contains("project calendar")),
            "{name}: {in_use:?}"
        );
        let back = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::Project {
                    version: moved.plan.version,
                    changes: ProjectChanges {
                        calendar: Some(calendar),
                        ..ProjectChanges::default()
                    },
                }),
            )
            .await
            .expect("back to the office calendar");
        let deleted = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::DeleteCalendar {
                    calendar: night_id,
                    version: 1,
                }),
            )
            .await
            .expect("delete the night calendar");
        assert_eq!(deleted.schedule.project_finish, first.project_finish);
        assert_eq!(
            deleted.plan.plan.calendars.len(),
            stored.plan.calendars.len(),
            "{name}"
        );
        same_as_tables(&deleted).await;
        let _ = back;

        // Leveling: refused from a stale version; applied, it removes over-allocations and
        // records each delayed task.
        let over = |plan: &Plan| {
            let computed = schedule(plan, &ScheduleOptions::default()).unwrap();
            resource_usage(plan, &computed, Period::Day)
                .unwrap()
                .iter()
                .map(|usage| usage.over_allocations.len())
                .sum::<usize>()
        };
        assert!(
            over(&deleted.plan.plan) > 0,
            "{name}: the example is over-allocated"
        );
        let stale = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::Level {
                    version: deleted.plan.version - 1,
                }),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{name}: {stale:?}"
        );
        let leveled = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::Level {
                    version: deleted.plan.version,
                }),
            )
            .await
            .expect("level");
        let leveling = leveled.leveling.as_ref().expect("leveling report");
        assert!(!leveling.delays.is_empty(), "{name}");
        // The example has tasks under way, which leveling may not move: what is left
        // over-allocated involves only them, and is less than before.
        assert!(
            over(&leveled.plan.plan) < over(&deleted.plan.plan),
            "{name}: leveling removed over-allocations"
        );
        assert_eq!(
            leveled.schedule.project_finish, leveling.after.project_finish,
            "{name}"
        );
        same_as_tables(&leveled).await;
        // Each task leveling holds back gets a Start No Earlier Than, one history entry each
        // (its successors move with it through their links, unchanged themselves).
        let mut held: Vec<String> = deleted
            .plan
            .plan
            .tasks
            .iter()
            .zip(&leveled.plan.plan.tasks)
            .filter(|(before, after)| before.constraint != after.constraint)
            .map(|(_, after)| after.key.clone())
            .collect();
        assert!(!held.is_empty(), "{name}");
        let history = store
            .history(project, None, held.len() as i64 + 1)
            .await
            .unwrap();
        let mut recorded: Vec<String> = history[..held.len()]
            .iter()
            .filter(|entry| {
                entry.entity == "task"
                    && entry.changes.iter().any(|change| {
                        change.field == "constraint_type" && change.new.as_deref() == Some("SNET")
                    })
            })
            .map(|entry| entry.label.clone())
            .collect();
        held.sort();
        recorded.sort();
        assert_eq!(recorded, held, "{name}");
        assert_eq!(
            history[held.len()].entity,
            "calendar",
            "{name}: nothing else"
        );

        // Resources: new, duplicate, changed with availability, and deleted with their
        // assignments.
        let dana = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateResource {
                    key: "dana".into(),
                    name: "Dana Iqbal (DBA)".into(),
                    changes: ResourceChanges {
                        standard_rate: Some(95.0),
                        ..ResourceChanges::default()
                    },
                }),
            )
            .await
            .expect("new resource");
        let dana_id = dana.created.expect("resource id");
        same_as_tables(&dana).await;
        let twice = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::CreateResource {
                    key: "dana".into(),
                    name: "Another Dana".into(),
                    changes: ResourceChanges::default(),
                }),
            )
            .await;
        assert!(
            matches!(twice, Err(StoreError::Duplicate { .. })),
            "{name}: {twice:?}"
        );
        let part_time = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::UpdateResource {
                    resource: dana_id,
                    version: 1,
                    changes: ResourceChanges {
                        max_units: Some(0.5),
                        availability: Some(vec![Availability {
                            from: Some(stored.plan.start),
                            to: None,
                            units: 0.8,
                        }]),
                        email: Some(Some("dana@example.com".into())),
                        ..ResourceChanges::default()
                    },
                }),
            )
            .await
            .expect("part time");
        same_as_tables(&part_time).await;
        let negative = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::UpdateResource {
                    resource: dana_id,
                    version: 2,
                    changes: ResourceChanges {
                        max_units: Some(-1.0),
                        ..ResourceChanges::default()
                    },
                }),
            )
            .await;
        assert!(
            matches!(
                negative,
                Err(StoreError::Invalid {
                    field: Some("max_units"),
                    ..
                })
            ),
            "{name}: {negative:?}"
        );
        let busiest = (0..part_time.plan.plan.resources.len())
            .max_by_key(|&index| {
                part_time
                    .plan
                    .plan
                    .assignments
                    .iter()
                    .filter(|assignment| assignment.resource.index() == index)
                    .count()
            })
            .unwrap();
        let gone = store
            .edit(
                project,
                Some(owner),
                setup(SetupEdit::DeleteResource {
                    resource: part_time.plan.resource_ids[busiest],
                    version: part_time.plan.resource_versions[busiest],
                }),
            )
            .await
            .expect("delete a resource");
        let key = &part_time.plan.plan.resources[busiest].key;
        assert!(
            gone.plan
                .plan
                .resources
                .iter()
                .all(|resource| &resource.key != key),
            "{name}"
        );
        assert!(
            gone.plan.plan.assignments.len() < part_time.plan.plan.assignments.len(),
            "{name}: its assignments went with it"
        );
        same_as_tables(&gone).await;
        let fresh = schedule(&gone.plan.plan, &ScheduleOptions::default()).unwrap();
        assert_eq!(fresh.project_finish, gone.schedule.project_finish, "{name}");
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn a_board_keeps_its_own_columns_and_refuses_stale_or_bad_ones() {
    use gantry_store::{BoardColumn, check_board_columns};
    let column = |name: &str, percent: u8, wip_limit: Option<u32>| BoardColumn {
        name: name.to_string(),
        percent,
        wip_limit,
    };
    for backend in backends("board").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olga", false).await;
        let project = store
            .create_project(&load("examples/crm-rollout.toml"), owner)
            .await
            .expect("project")
            .project_id;

        // Never configured: the default three columns, at version 0.
        let fresh = store.board(project).await.expect("board");
        assert_eq!(fresh.version, 0, "{name}");
        assert!(!fresh.custom, "{name}");
        assert_eq!(fresh.columns, BoardColumn::defaults(), "{name}");
        assert_eq!(fresh.column_of(0.0), 0, "{name}");
        assert_eq!(fresh.column_of(45.0), 1, "{name}");
        assert_eq!(fresh.column_of(5.0), 1, "{name}: started is in progress");
        assert_eq!(fresh.column_of(99.5), 1, "{name}");
        assert_eq!(fresh.column_of(100.0), 2, "{name}");

        // The project's own columns, names trimmed, in order, recorded in the history.
        let own = vec![
            column(" Backlog ", 0, None),
            column("Doing", 10, Some(3)),
            column("Review", 90, Some(2)),
            column("Done", 100, None),
        ];
        let saved = store
            .set_board(project, Some(owner), 0, &own)
            .await
            .expect("set the columns");
        assert_eq!(saved.version, 1, "{name}");
        assert!(saved.custom, "{name}");
        assert_eq!(saved.columns[0].name, "Backlog", "{name}");
        assert_eq!(saved.columns[2], column("Review", 90, Some(2)), "{name}");
        assert_eq!(saved.column_of(95.0), 2, "{name}");
        assert_eq!(
            saved.column_of(5.0),
            1,
            "{name}: started, below Doing's 10 %"
        );
        assert_eq!(saved.column_of(50.0), 1, "{name}");
        assert_eq!(saved.column_of(0.0), 0, "{name}");
        assert_eq!(store.board(project).await.expect("board"), saved, "{name}");
        let history = store.history(project, None, 1).await.expect("history");
        assert_eq!(history[0].entity, "board", "{name}");
        assert_eq!(history[0].user_id, Some(owner), "{name}");
        assert_eq!(
            history[0].changes[0].new.as_deref(),
            Some("Backlog 0 %, Doing 10 % (WIP 3), Review 90 % (WIP 2), Done 100 %"),
            "{name}"
        );

        // An edit from the version before is a conflict, and changes nothing.
        let stale = store.set_board(project, Some(owner), 0, &own[..2]).await;
        assert!(
            matches!(
                stale,
                Err(StoreError::Conflict {
                    current: 1,
                    expected: 0,
                    ..
                })
            ),
            "{name}: {stale:?}"
        );
        assert_eq!(store.board(project).await.expect("board"), saved, "{name}");

        // Bad columns are refused with the column and the field named.
        let falling = [column("Doing", 50, None), column("Done", 40, None)];
        let error = check_board_columns(&falling).expect_err("percents must rise");
        assert_eq!((error.column, error.field), (Some(1), "percent"), "{name}");
        let refused = store.set_board(project, Some(owner), 1, &falling).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Invalid {
                    field: Some("percent"),
                    ..
                })
            ),
            "{name}: {refused:?}"
        );
        for (bad, field) in [
            (vec![column("  ", 0, None)], "name"),
            (vec![column("A", 0, None), column("a", 50, None)], "name"),
            (vec![column("A", 101, None)], "percent"),
            (vec![column("A", 0, Some(0))], "wip_limit"),
            (vec![column("A", 0, None); 13], "columns"),
        ] {
            let error = check_board_columns(&bad).expect_err("refused");
            assert_eq!(error.field, field, "{name}: {bad:?}");
        }
        assert_eq!(store.board(project).await.expect("board"), saved, "{name}");

        // An empty list goes back to the defaults; the version still rises.
        let reset = store
            .set_board(project, Some(owner), 1, &[])
            .await
            .expect("reset");
        assert_eq!(reset.version, 2, "{name}");
        assert!(!reset.custom, "{name}");
        assert_eq!(reset.columns, BoardColumn::defaults(), "{name}");

        // A missing project has no board to set; a deleted project takes its board along.
        let missing = store.set_board(project + 1000, Some(owner), 0, &own).await;
        assert!(
            matches!(missing, Err(StoreError::NotFound { .. })),
            "{name}: {missing:?}"
        );
        store
            .set_board(project, Some(owner), 2, &own)
            .await
            .expect("set again");
        store.delete_project(project).await.expect("delete");
        let after = store.board(project).await.expect("board of nothing");
        assert!(!after.custom, "{name}: the columns went with the project");
        backend.drop_schema().await;
    }
}

// ---- Baselines, costs and tracking (issue 7) ----

/// The row id of the resource with `key`.
fn resource_id(stored: &gantry_store::StoredPlan, key: &str) -> i64 {
    let index = stored
        .plan
        .resources
        .iter()
        .position(|resource| resource.key == key)
        .unwrap_or_else(|| panic!("no resource {key}"));
    stored.resource_ids[index]
}

/// Checks that `store` holds exactly `expected` for its project (a fresh read of the tables).
async fn assert_stored(store: &Store, expected: &gantry_store::StoredPlan, what: &str) {
    let fresh = store
        .plan_from_tables(expected.project_id)
        .await
        .expect("read back");
    assert_eq!(
        &fresh, expected,
        "{what}: the tables hold what the edit returned"
    );
}

/// Applies `edit`, expecting a refusal whose message contains every word of `words`; checks
/// that nothing was stored.
async fn assert_refused(
    store: &Store,
    project: i64,
    edit: Edit,
    words: &[&str],
    what: &str,
) -> StoreError {
    let before = store.plan_from_tables(project).await.expect("read");
    let history = store.history(project, None, 1000).await.expect("history");
    let error = store
        .edit(project, None, edit)
        .await
        .expect_err(&format!("{what}: refused"));
    let message = error.to_string();
    for word in words {
        assert!(message.contains(word), "{what}: \"{message}\" names {word}");
    }
    let after = store.plan_from_tables(project).await.expect("read");
    assert_eq!(after, before, "{what}: nothing stored");
    assert_eq!(
        store
            .history(project, None, 1000)
            .await
            .expect("history")
            .len(),
        history.len(),
        "{what}: no history"
    );
    error
}

#[tokio::test]
async fn baselines_costs_and_tracking_come_back_as_stored() {
    for backend in backends("control_round_trip").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "owner", false).await;
        let plan = load("examples/erp-upgrade-evm.toml");
        // The example holds every kind of control record, so the round trip covers them all.
        assert_eq!(plan.baselines.len(), 1);
        assert!(plan.baselines[0].tasks.iter().all(Option::is_some));
        assert_eq!(plan.costs.fixed.len(), 1);
        assert_eq!(plan.costs.amounts.len(), 1);
        assert_eq!(plan.tracking.time_entries.len(), 7);
        assert_eq!(plan.tracking.expenses.len(), 1);
        let stored = store.create_project(&plan, owner).await.expect("create");
        assert_eq!(stored.plan, plan, "{name}: as written");
        assert_eq!(stored.control.time_entry_ids.len(), 7, "{name}");
        assert_eq!(stored.control.expense_ids.len(), 1, "{name}");
        let again = store
            .plan_from_tables(stored.project_id)
            .await
            .expect("load");
        assert_eq!(again.plan, plan, "{name}: read back");
        assert_eq!(again, stored, "{name}: with the same row ids");

        // A baseline saved without a date (as MS Project files hold them), and several numbers.
        let mut plan = plan;
        let mut second = plan.baselines[0].clone();
        second.number = 3;
        second.saved = None;
        second.tasks[2] = None;
        plan.baselines.push(second);
        let stored = store.create_project(&plan, owner).await.expect("create");
        let again = store
            .plan_from_tables(stored.project_id)
            .await
            .expect("load");
        assert_eq!(again.plan, plan, "{name}: two baselines read back");
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn baselines_are_saved_again_and_cleared_with_history() {
    for backend in backends("control_baselines").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "owner", false).await;
        let stored = store
            .create_project(&load("examples/erp-upgrade-evm.toml"), owner)
            .await
            .expect("create");
        let project = stored.project_id;
        let save = |number| Edit::Control(gantry_store::ControlEdit::SaveBaseline { number });

        let outcome = store
            .edit(project, Some(owner), save(1))
            .await
            .expect("save 1");
        let saved = outcome.plan.plan.baseline(1).expect("baseline 1").clone();
        assert_eq!(saved.tasks.len(), outcome.plan.plan.tasks.len(), "{name}");
        let (uat, uat_version) = task_id(&outcome.plan, "uat");
        let uat_index = outcome.plan.task_index(uat).expect("uat");
        let uat_finish = outcome.schedule.tasks[uat_index].finish.to_civil();
        assert_eq!(
            saved.tasks[uat_index].as_ref().expect("uat").finish,
            uat_finish
        );
        assert_stored(store, &outcome.plan, name).await;
        let history = store.history(project, None, 10).await.expect("history");
        assert_eq!(
            (
                history[0].entity.as_str(),
                history[0].action.as_str(),
                history[0].label.as_str()
            ),
            ("baseline", "create", "Baseline1"),
            "{name}"
        );

        // Longer UAT, saved again over baseline 1: the new finish, recorded as an update.
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::UpdateTask {
                    task: uat,
                    version: uat_version,
                    changes: TaskChanges {
                        duration: Some(Duration::working(10 * 480)),
                        ..TaskChanges::default()
                    },
                },
            )
            .await
            .expect("longer uat");
        assert_eq!(
            outcome.plan.plan.baseline(1).expect("kept").tasks[uat_index]
                .as_ref()
                .expect("uat")
                .finish,
            uat_finish,
            "{name}: a baseline does not follow the schedule"
        );
        let outcome = store
            .edit(project, Some(owner), save(1))
            .await
            .expect("save again");
        let later = outcome.plan.plan.baseline(1).expect("baseline 1");
        assert!(
            later.tasks[uat_index].as_ref().expect("uat").finish > uat_finish,
            "{name}: saved again from the new schedule"
        );
        assert_stored(store, &outcome.plan, name).await;
        let history = store.history(project, None, 10).await.expect("history");
        assert_eq!(
            (history[0].entity.as_str(), history[0].action.as_str()),
            ("baseline", "update"),
            "{name}"
        );

        // Refusals store nothing.
        assert_refused(store, project, save(11), &["baseline 11", "0", "10"], name).await;
        let clear = |number| Edit::Control(gantry_store::ControlEdit::ClearBaseline { number });
        assert_refused(
            store,
            project,
            clear(5),
            &["Baseline5", "not been saved"],
            name,
        )
        .await;

        let outcome = store
            .edit(project, Some(owner), clear(1))
            .await
            .expect("clear");
        assert!(outcome.plan.plan.baseline(1).is_none(), "{name}");
        assert!(
            outcome.plan.plan.baseline(0).is_some(),
            "{name}: the others stay"
        );
        assert_stored(store, &outcome.plan, name).await;
        let history = store.history(project, None, 10).await.expect("history");
        assert_eq!(
            (history[0].entity.as_str(), history[0].action.as_str()),
            ("baseline", "delete"),
            "{name}"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn fixed_costs_time_entries_and_expenses_are_edited_and_checked() {
    use gantry_store::ControlEdit;
    for backend in backends("control_tracking").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "owner", false).await;
        let stored = store
            .create_project(&load("examples/erp-upgrade-evm.toml"), owner)
            .await
            .expect("create");
        let project = stored.project_id;

        // A fixed cost: set, versioned with its task, stale and bad ones refused.
        let (uat, version) = task_id(&stored, "uat");
        let fixed = |version, amount| {
            Edit::Control(ControlEdit::SetFixedCost {
                task: uat,
                version,
                amount,
                accrual: gantry_core::cost::Accrual::End,
            })
        };
        let outcome = store
            .edit(project, Some(owner), fixed(version, Some(900.0)))
            .await
            .expect("fixed cost");
        let index = outcome.plan.task_index(uat).expect("uat");
        assert!(
            outcome
                .plan
                .plan
                .costs
                .fixed
                .iter()
                .any(|cost| cost.task.index() == index && cost.amount == 900.0),
            "{name}"
        );
        assert_eq!(outcome.plan.task_versions[index], version + 1, "{name}");
        assert_stored(store, &outcome.plan, name).await;
        let error =
            assert_refused(store, project, fixed(version, Some(1.0)), &["task"], name).await;
        assert!(
            matches!(error, StoreError::Conflict { .. }),
            "{name}: {error}"
        );
        assert_refused(
            store,
            project,
            fixed(version + 1, Some(-5.0)),
            &["negative", "uat"],
            name,
        )
        .await;
        let (prep, prep_version) = task_id(&outcome.plan, "prep");
        assert_refused(
            store,
            project,
            Edit::Control(ControlEdit::SetFixedCost {
                task: prep,
                version: prep_version,
                amount: Some(10.0),
                accrual: gantry_core::cost::Accrual::Start,
            }),
            &["prep", "summary"],
            name,
        )
        .await;
        let outcome = store
            .edit(project, Some(owner), fixed(version + 1, None))
            .await
            .expect("removed");
        assert!(
            !outcome
                .plan
                .plan
                .costs
                .fixed
                .iter()
                .any(|cost| cost.task.index() == index),
            "{name}"
        );
        assert_stored(store, &outcome.plan, name).await;

        // Time entries: only by a resource on the task, hours not negative.
        let (assess, _) = task_id(&stored, "assess");
        let (sandbox, _) = task_id(&stored, "sandbox");
        let pm = resource_id(&stored, "pm");
        let entry = |task, resource, hours| {
            Edit::Control(ControlEdit::AddTimeEntry {
                task,
                resource,
                date: jiff::civil::date(2026, 2, 19),
                hours,
                overtime_hours: 0.0,
            })
        };
        let entries = outcome.plan.plan.tracking.time_entries.len();
        let outcome = store
            .edit(project, Some(owner), entry(assess, pm, 3.5))
            .await
            .expect("time entry");
        let entry_id = outcome.created.expect("its id");
        assert_eq!(outcome.plan.plan.tracking.time_entries.len(), entries + 1);
        assert_eq!(
            outcome.plan.control.time_entry_ids.last(),
            Some(&entry_id),
            "{name}"
        );
        assert_stored(store, &outcome.plan, name).await;
        let history = store.history(project, None, 1).await.expect("history");
        assert_eq!(
            (history[0].entity.as_str(), history[0].action.as_str()),
            ("time entry", "create"),
            "{name}"
        );
        assert_refused(
            store,
            project,
            entry(sandbox, pm, 2.0),
            &["\"pm\"", "\"sandbox\"", "not assigned"],
            name,
        )
        .await;
        assert_refused(store, project, entry(assess, pm, -1.0), &["negative"], name).await;
        let travel = resource_id(&stored, "travel");
        let (uat_task, _) = task_id(&stored, "uat");
        assert_refused(
            store,
            project,
            entry(uat_task, travel, 1.0),
            &["travel", "cost"],
            name,
        )
        .await;
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::Control(ControlEdit::DeleteTimeEntry { entry: entry_id }),
            )
            .await
            .expect("delete entry");
        assert_eq!(outcome.plan.plan.tracking.time_entries.len(), entries);
        assert_stored(store, &outcome.plan, name).await;
        assert_refused(
            store,
            project,
            Edit::Control(ControlEdit::DeleteTimeEntry { entry: entry_id }),
            &["time entry"],
            name,
        )
        .await;

        // Expenses.
        let expense = |amount, description: &str| {
            Edit::Control(ControlEdit::AddExpense {
                task: sandbox,
                date: jiff::civil::date(2026, 2, 12),
                amount,
                description: description.to_string(),
            })
        };
        let outcome = store
            .edit(project, Some(owner), expense(120.0, "Cloud credits"))
            .await
            .expect("expense");
        let expense_id = outcome.created.expect("its id");
        assert_stored(store, &outcome.plan, name).await;
        assert_refused(store, project, expense(-3.0, "Refund"), &["negative"], name).await;
        assert_refused(store, project, expense(3.0, "  "), &["description"], name).await;
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::Control(ControlEdit::DeleteExpense {
                    expense: expense_id,
                }),
            )
            .await
            .expect("delete expense");
        assert!(
            !outcome.plan.control.expense_ids.contains(&expense_id),
            "{name}"
        );
        assert_stored(store, &outcome.plan, name).await;

        // The records follow their tasks: a new task before them, a move, a deletion.
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::CreateTask {
                    parent: Some(task_id(&outcome.plan, "prep").0),
                    key: Some("kickoff".into()),
                    name: "Kick-off".into(),
                    changes: TaskChanges::default(),
                },
            )
            .await
            .expect("new task");
        assert_stored(store, &outcome.plan, name).await;
        let (upgrade, upgrade_version) = task_id(&outcome.plan, "upgrade");
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::MoveTask {
                    task: upgrade,
                    version: upgrade_version,
                    parent: None,
                    position: Some(0),
                },
            )
            .await
            .expect("move");
        assert_stored(store, &outcome.plan, name).await;
        let plan = &outcome.plan.plan;
        let sandbox_index = outcome.plan.task_index(sandbox).expect("sandbox");
        assert!(
            plan.tracking
                .time_entries
                .iter()
                .any(|entry| entry.task.index() == sandbox_index),
            "{name}: the sandbox's hours moved with it"
        );
        assert!(
            plan.baseline(0).expect("baseline").tasks[sandbox_index].is_some(),
            "{name}: so did its baseline"
        );
        let (assess, assess_version) = task_id(&outcome.plan, "assess");
        let entries = plan.tracking.time_entries.len();
        let outcome = store
            .edit(
                project,
                Some(owner),
                Edit::DeleteTask {
                    task: assess,
                    version: assess_version,
                },
            )
            .await
            .expect("delete assess");
        assert_eq!(
            outcome.plan.plan.tracking.time_entries.len(),
            entries - 4,
            "{name}: its four time entries went with it"
        );
        assert!(outcome.plan.plan.tracking.expenses.is_empty(), "{name}");
        assert_stored(store, &outcome.plan, name).await;

        // Taking a resource off a task it logged time on is refused, naming both.
        let dev_on_sandbox = outcome
            .plan
            .plan
            .assignments
            .iter()
            .position(|assignment| {
                assignment.task.index() == outcome.plan.task_index(sandbox).expect("sandbox")
            })
            .expect("dev on sandbox");
        assert_refused(
            store,
            project,
            Edit::Unassign {
                assignment: outcome.plan.assignment_ids[dev_on_sandbox],
                version: outcome.plan.assignment_versions[dev_on_sandbox],
            },
            &["\"dev\"", "\"sandbox\""],
            name,
        )
        .await;
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn baselines_imported_from_ms_project_xml_are_kept() {
    use gantry_formats::mspdi::{MspdiProject, read_mspdi, write_mspdi};
    for backend in backends("control_mspdi").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "owner", false).await;
        let plan = load("examples/erp-upgrade-evm.toml");
        let computed = schedule(&plan, &ScheduleOptions::default()).expect("schedule");
        let xml = write_mspdi(&MspdiProject::from_plan(plan), Some(&computed));
        let imported = read_mspdi("erp.xml", &xml).expect("read").scheduling_plan();
        assert!(
            imported
                .baseline(0)
                .is_some_and(|baseline| baseline.tasks.iter().flatten().count() > 0),
            "MS Project XML holds the baseline"
        );
        let stored = store
            .create_project(&imported, owner)
            .await
            .expect("create");
        let again = store
            .plan_from_tables(stored.project_id)
            .await
            .expect("load");
        assert_eq!(again.plan.baselines, imported.baselines, "{name}");
        assert_eq!(again.plan.costs, imported.costs, "{name}");
        assert_eq!(again.plan.tracking, imported.tracking, "{name}");
        backend.drop_schema().await;
    }
}

/// A small plan for change requests: design (3d) → build (2d) → test (1d), and docs (1d) after
/// design, off the critical path.
fn change_plan() -> Plan {
    use gantry_core::model::{Link, Task};
    let mut plan = Plan::new("changes", "2026-03-02T08:00".parse().expect("date"));
    let add = |plan: &mut Plan, key: &str, days: i64| {
        let mut task = Task::new(key, key.to_uppercase());
        task.duration = Duration::working(days * 480);
        plan.add_task(task)
    };
    let design = add(&mut plan, "design", 3);
    let build = add(&mut plan, "build", 2);
    let test = add(&mut plan, "test", 1);
    let docs = add(&mut plan, "docs", 1);
    for (predecessor, successor) in [(design, build), (build, test), (design, docs)] {
        plan.add_link(Link {
            predecessor,
            successor,
            kind: LinkType::FinishToStart,
            lag: Lag::None,
        });
    }
    plan
}

#[tokio::test]
async fn a_change_request_shows_its_impact_then_applies_in_one_transaction() {
    use gantry_store::{ChangeItem, ChangeStatus, NewChange};
    for backend in backends("changes").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "carla", false).await;
        let member = user(store, "mo", false).await;
        let stored = store.create_project(&change_plan(), owner).await.unwrap();
        let project = stored.project_id;
        let (design, _) = task_id(&stored, "design");
        let (build, build_version) = task_id(&stored, "build");

        // Proposed: build takes 5 days instead of 2, and a security review follows design.
        let change = store
            .propose_change(
                project,
                member,
                NewChange {
                    title: "Longer build".into(),
                    reason: "The vendor needs three more days".into(),
                    items: vec![
                        ChangeItem::SetDuration {
                            task: build,
                            version: build_version,
                            duration_minutes: 5 * 480,
                        },
                        ChangeItem::AddTask {
                            name: "Security review".into(),
                            duration_minutes: 2 * 480,
                            parent: None,
                            after: Some(design),
                        },
                    ],
                },
            )
            .await
            .expect("proposed");
        assert_eq!(change.status, ChangeStatus::Proposed, "{name}");
        assert_eq!(change.requested_by_name, "mo", "{name}");
        assert_eq!(change.project_version, stored.version, "{name}");
        assert_eq!(
            store.plan_from_tables(project).await.unwrap().plan,
            stored.plan,
            "{name}: proposing writes nothing to the plan"
        );

        // The impact, on a copy: test moves from Monday 9 March to Thursday 12 March.
        let impact = store
            .change_impact(project, change.id)
            .await
            .expect("impact");
        assert_eq!(impact.finish_before, "2026-03-09T17:00:00", "{name}");
        assert_eq!(impact.finish_after, "2026-03-12T17:00:00", "{name}");
        assert_eq!(impact.finish_days, 3.0, "{name}");
        let keys = |tasks: &[gantry_store::TaskRef]| {
            tasks
                .iter()
                .map(|task| task.key.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(&impact.critical_before),
            ["design", "build", "test"],
            "{name}"
        );
        assert_eq!(
            keys(&impact.critical_after),
            ["design", "build", "test"],
            "{name}"
        );
        assert!(impact.entering_critical.is_empty(), "{name}");
        assert_eq!(impact.added.len(), 1, "{name}");
        assert_eq!(impact.added[0].name, "Security review", "{name}");
        let moved: Vec<&str> = impact.moved.iter().map(|task| task.key.as_str()).collect();
        assert_eq!(moved, ["build", "test"], "{name}");
        assert_eq!(
            impact.moved[1].finish_after, "2026-03-12T17:00:00",
            "{name}"
        );

        // A baseline number out of range refuses the approval: nothing applied, nothing saved.
        assert!(
            matches!(
                store
                    .approve_change(project, change.id, owner, None, Some(11))
                    .await,
                Err(StoreError::Invalid {
                    field: Some("rebaseline"),
                    ..
                })
            ),
            "{name}"
        );
        assert_eq!(
            store.plan_from_tables(project).await.unwrap().plan,
            stored.plan,
            "{name}: a refused approval writes nothing"
        );

        // Approved and re-baselined: both edits applied, the decision and its impact recorded,
        // and baseline 0 saved from the plan after the change.
        assert!(stored.plan.baseline(0).is_none(), "{name}: no baseline yet");
        let (approved, outcome) = store
            .approve_change(
                project,
                change.id,
                owner,
                Some("Agreed with the sponsor"),
                Some(0),
            )
            .await
            .expect("approved");
        assert_eq!(approved.status, ChangeStatus::Approved, "{name}");
        assert_eq!(approved.decided_by, Some(owner), "{name}");
        assert_eq!(approved.decided_by_name.as_deref(), Some("carla"), "{name}");
        assert!(approved.decided_at.is_some(), "{name}");
        assert_eq!(approved.impact.as_ref(), Some(&impact), "{name}");
        assert_eq!(
            outcome.plan.version,
            stored.version + 1,
            "{name}: one transaction"
        );
        let reloaded = store.plan_from_tables(project).await.unwrap();
        assert_eq!(
            reloaded.plan, outcome.plan.plan,
            "{name}: stored as applied"
        );
        let review = reloaded
            .plan
            .tasks
            .iter()
            .position(|task| task.name == "Security review")
            .expect("new task stored");
        assert!(
            reloaded
                .plan
                .links
                .iter()
                .any(|link| link.predecessor.index() == 0 && link.successor.index() == review),
            "{name}: the new task follows design"
        );
        let build_index = reloaded.task_index(build).unwrap();
        assert_eq!(
            reloaded.plan.tasks[build_index].duration,
            Duration::working(5 * 480),
            "{name}"
        );
        assert_eq!(
            civil(outcome.schedule.project_finish),
            "2026-03-12T17:00:00",
            "{name}"
        );
        // The baseline is the new schedule (test finishing on Thursday 12 March), task by task.
        let baseline = reloaded.plan.baseline(0).expect("baseline 0 saved");
        assert_eq!(
            baseline.tasks.len(),
            reloaded.plan.tasks.len(),
            "{name}: every task, the new one included"
        );
        let costs = gantry_core::cost::task_costs(&reloaded.plan);
        for (index, saved) in baseline.tasks.iter().enumerate() {
            let saved = saved.as_ref().expect("every task in the baseline");
            let dates = &outcome.schedule.tasks[index];
            assert_eq!(saved.start, dates.start.to_civil(), "{name}: task {index}");
            assert_eq!(
                saved.finish,
                dates.finish.to_civil(),
                "{name}: task {index}"
            );
            assert_eq!(saved.cost, costs[index].total, "{name}: task {index}");
        }
        let test_index = reloaded
            .plan
            .tasks
            .iter()
            .position(|task| task.key == "test")
            .expect("test");
        assert_eq!(
            baseline.tasks[test_index]
                .as_ref()
                .map(|saved| saved.finish.to_string()),
            Some("2026-03-12T17:00:00".to_string()),
            "{name}"
        );
        // A decided change is not decided again, and keeps the impact of its decision.
        assert!(matches!(
            store
                .approve_change(project, change.id, owner, None, None)
                .await,
            Err(StoreError::Invalid { .. })
        ));
        assert_eq!(
            store.change_impact(project, change.id).await.unwrap(),
            impact,
            "{name}"
        );
        backend.drop_schema().await;
    }
}

fn civil(instant: gantry_core::Instant) -> String {
    instant.to_civil().to_string()
}

#[tokio::test]
async fn a_conflicting_change_applies_nothing_and_a_rejected_one_is_recorded() {
    use gantry_store::{ChangeItem, ChangeStatus, NewChange};
    for backend in backends("change_conflicts").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "carla", false).await;
        let stored = store.create_project(&change_plan(), owner).await.unwrap();
        let project = stored.project_id;
        let (docs, docs_version) = task_id(&stored, "docs");
        let (test, test_version) = task_id(&stored, "test");
        let items = vec![
            ChangeItem::SetDuration {
                task: docs,
                version: docs_version,
                duration_minutes: 4 * 480,
            },
            ChangeItem::SetDuration {
                task: test,
                version: test_version,
                duration_minutes: 3 * 480,
            },
        ];
        let change = store
            .propose_change(
                project,
                owner,
                NewChange {
                    title: "More testing".into(),
                    reason: "Audit findings".into(),
                    items: items.clone(),
                },
            )
            .await
            .unwrap();
        // Someone changes the test task after the proposal.
        store
            .edit(
                project,
                Some(owner),
                Edit::UpdateTask {
                    task: test,
                    version: test_version,
                    changes: TaskChanges {
                        name: Some("Acceptance test".into()),
                        ..TaskChanges::default()
                    },
                },
            )
            .await
            .unwrap();
        let before = store.plan_from_tables(project).await.unwrap();
        // Refused even with a re-baseline asked: the baseline is not saved either.
        let refused = store
            .approve_change(project, change.id, owner, None, Some(0))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict { entity: "task", id, .. }) if id == test),
            "{name}: {refused:?}"
        );
        let after = store.plan_from_tables(project).await.unwrap();
        assert_eq!(
            after.plan, before.plan,
            "{name}: not even the docs edit applied"
        );
        assert!(
            after.plan.baselines.is_empty(),
            "{name}: no baseline saved by a refused approval"
        );
        assert_eq!(
            store.project_version(project).await.unwrap(),
            before.version,
            "{name}"
        );
        assert_eq!(
            store.change(project, change.id).await.unwrap().status,
            ChangeStatus::Proposed,
            "{name}: still waiting for a decision"
        );

        // Rejected with a reason: recorded, the plan untouched.
        assert!(matches!(
            store.reject_change(project, change.id, owner, "  ").await,
            Err(StoreError::Invalid {
                field: Some("reason"),
                ..
            })
        ));
        let rejected = store
            .reject_change(project, change.id, owner, "Not in this release")
            .await
            .unwrap();
        assert_eq!(rejected.status, ChangeStatus::Rejected, "{name}");
        assert_eq!(
            rejected.decision_note.as_deref(),
            Some("Not in this release"),
            "{name}"
        );
        assert_eq!(rejected.decided_by, Some(owner), "{name}");
        assert_eq!(
            store.plan_from_tables(project).await.unwrap().plan,
            before.plan,
            "{name}"
        );
        assert!(
            store
                .approve_change(project, change.id, owner, None, None)
                .await
                .is_err()
        );
        let listed = store.changes(project).await.unwrap();
        assert_eq!(listed, vec![rejected], "{name}");

        // A change that cannot apply is refused when proposed (a loop), nothing recorded.
        let (design, _) = task_id(&after, "design");
        let looped = store
            .propose_change(
                project,
                owner,
                NewChange {
                    title: "Loop".into(),
                    reason: "A mistake".into(),
                    items: vec![ChangeItem::AddLink {
                        predecessor: test,
                        successor: design,
                    }],
                },
            )
            .await;
        assert!(
            matches!(looped, Err(StoreError::Invalid { .. })),
            "{name}: {looped:?}"
        );
        assert_eq!(store.changes(project).await.unwrap().len(), 1, "{name}");
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn several_edits_apply_as_one_or_not_at_all() {
    for backend in backends("edit_all").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "carla", false).await;
        let stored = store.create_project(&change_plan(), owner).await.unwrap();
        let project = stored.project_id;
        let (test, test_version) = task_id(&stored, "test");
        let new_task = |name: &str| Edit::CreateTask {
            parent: None,
            key: Some(name.to_lowercase()),
            name: name.into(),
            changes: TaskChanges {
                duration: Some(Duration::working(480)),
                ..TaskChanges::default()
            },
        };
        // Two new tasks, the second after the first (named by its placeholder, -1) and before
        // test: one transaction, one version.
        let outcome = store
            .edit_all(
                project,
                Some(owner),
                vec![
                    new_task("Pilot"),
                    new_task("Rollout"),
                    Edit::CreateLink {
                        predecessor: -1,
                        successor: -2,
                        kind: LinkType::FinishToStart,
                        lag: Lag::None,
                    },
                ],
            )
            .await
            .expect("applied");
        assert_eq!(outcome.plan.version, stored.version + 1, "{name}");
        let reloaded = store.plan_from_tables(project).await.unwrap();
        assert_eq!(reloaded.plan, outcome.plan.plan, "{name}");
        let (rollout, _) = task_id(&reloaded, "rollout");
        let pilot = reloaded.plan.tasks.iter().position(|t| t.key == "pilot");
        let rollout_index = reloaded.task_index(rollout);
        let link = reloaded
            .plan
            .links
            .iter()
            .position(|link| {
                Some(link.predecessor.index()) == pilot
                    && Some(link.successor.index()) == rollout_index
            })
            .expect("the placeholder link joins the two new tasks");
        assert_eq!(
            outcome.created,
            Some(reloaded.link_ids[link]),
            "{name}: the last row created, the link"
        );
        // A batch whose last edit is stale stores none of it.
        let refused = store
            .edit_all(
                project,
                Some(owner),
                vec![
                    new_task("Training"),
                    Edit::UpdateTask {
                        task: test,
                        version: test_version - 1,
                        changes: TaskChanges {
                            name: Some("Stale".into()),
                            ..TaskChanges::default()
                        },
                    },
                ],
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict { .. })),
            "{name}: {refused:?}"
        );
        let after = store.plan_from_tables(project).await.unwrap();
        assert_eq!(after.plan, reloaded.plan, "{name}: nothing stored");
        assert_eq!(
            store.project_version(project).await.unwrap(),
            outcome.plan.version,
            "{name}"
        );
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn the_risk_register_holds_the_whole_risk_model_and_refuses_bad_input() {
    use gantry_core::risk::{Delay, ThreePoint};
    use gantry_store::{RiskFields, RiskStatus, RiskStrategy};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/erp-upgrade-risk.toml");
    let file = gantry_formats::load_plan(&path).expect("the risk example");
    for backend in backends("risks").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "rita", false).await;
        let stranger = user(store, "sam", false).await;
        let stored = store
            .create_project(&file.plan, owner)
            .await
            .expect("project");
        let project = stored.project_id;
        store
            .import_risk_model(project, Some(owner), &file.plan, &file.risk)
            .await
            .expect("import");

        // Read back, the model is the file's (tasks compared by key).
        let (plan, model) = store.risk_model(project).await.expect("model");
        let key_of =
            |plan: &Plan, task: gantry_core::model::TaskId| plan.tasks[task.index()].key.clone();
        let keys = |plan: &Plan, model: &gantry_core::risk::RiskModel| {
            (
                model
                    .estimates
                    .iter()
                    .map(|e| (key_of(plan, e.task), e.duration))
                    .collect::<Vec<_>>(),
                model
                    .risks
                    .iter()
                    .map(|r| {
                        (
                            r.id.clone(),
                            r.name.clone(),
                            r.probability,
                            r.delay,
                            r.cost,
                            r.tasks.iter().map(|t| key_of(plan, *t)).collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>(),
                model
                    .correlations
                    .iter()
                    .map(|g| {
                        (
                            g.name.clone(),
                            g.coefficient,
                            g.tasks.iter().map(|t| key_of(plan, *t)).collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            keys(&plan.plan, &model),
            keys(&file.plan, &file.risk),
            "{name}"
        );
        assert!(
            !file.risk.risks.is_empty() && !file.risk.estimates.is_empty(),
            "{name}"
        );

        let leaf = |key: &str| {
            let index = plan.plan.tasks.iter().position(|t| t.key == key).unwrap();
            plan.task_ids[index]
        };
        let risk = |probability: f64, delay: ThreePoint, tasks: Vec<i64>| RiskFields {
            key: None,
            title: "Key user leaves".into(),
            cause: "Tight labour market".into(),
            event: "The key user resigns".into(),
            effect: "UAT slips".into(),
            probability,
            delay,
            cost: 2_000.0,
            owner: Some(owner),
            strategy: RiskStrategy::Mitigate,
            contingency: "Train a second key user".into(),
            trigger: "Notice given".into(),
            status: RiskStatus::Open,
            tasks,
        };
        let uat = leaf("uat");
        let before = store.risk_register(project).await.expect("register").1;
        let history_before = store.history(project, None, 1000).await.unwrap().len();

        // Bad input: refused with the field named, nothing stored.
        let refused =
            |result: gantry_store::Result<gantry_store::StoredRisk>, field: &str| match result {
                Err(StoreError::Invalid {
                    field: Some(found),
                    message,
                    ..
                }) => assert_eq!(found, field, "{name}: {message}"),
                other => panic!("{name}: expected a refusal of {field}, got {other:?}"),
            };
        refused(
            store
                .add_risk(
                    project,
                    Some(owner),
                    risk(1.5, ThreePoint::fixed(480), vec![uat]),
                )
                .await,
            "probability",
        );
        refused(
            store
                .add_risk(
                    project,
                    Some(owner),
                    risk(-0.1, ThreePoint::fixed(480), vec![uat]),
                )
                .await,
            "probability",
        );
        let upside_down = ThreePoint {
            min: 960,
            likely: 480,
            max: 1440,
            distribution: gantry_core::risk::Distribution::Triangular,
        };
        refused(
            store
                .add_risk(project, Some(owner), risk(0.3, upside_down, vec![uat]))
                .await,
            "delay",
        );
        refused(
            store
                .add_risk(
                    project,
                    Some(owner),
                    risk(0.3, ThreePoint::fixed(480), vec![999_999]),
                )
                .await,
            "tasks",
        );
        let mut not_member = risk(0.3, ThreePoint::fixed(480), vec![uat]);
        not_member.owner = Some(stranger);
        refused(
            store.add_risk(project, Some(owner), not_member).await,
            "owner",
        );
        match store
            .set_estimate(project, Some(owner), uat, None, upside_down)
            .await
        {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, Some("estimate"), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let summary = plan.task_ids[plan.plan.summary_flags().iter().position(|s| *s).unwrap()];
        assert!(
            matches!(
                store
                    .set_estimate(project, Some(owner), summary, None, ThreePoint::fixed(480))
                    .await,
                Err(StoreError::Invalid {
                    field: Some("task"),
                    ..
                })
            ),
            "{name}: no estimate on a summary task"
        );
        // An estimate a correlation group needs cannot go.
        assert!(
            matches!(
                store
                    .delete_estimate(project, Some(owner), leaf("trial-migration"))
                    .await,
                Err(StoreError::Invalid {
                    field: Some("estimate"),
                    ..
                })
            ),
            "{name}"
        );
        assert_eq!(
            store.risk_register(project).await.unwrap().1,
            before,
            "{name}: nothing stored"
        );
        assert_eq!(
            store.history(project, None, 1000).await.unwrap().len(),
            history_before,
            "{name}: nothing recorded"
        );

        // Added, edited (versioned), occurred, deleted; each in the history.
        let added = store
            .add_risk(
                project,
                Some(owner),
                risk(
                    0.5,
                    ThreePoint {
                        min: 480,
                        likely: 960,
                        max: 2400,
                        distribution: gantry_core::risk::Distribution::Pert,
                    },
                    vec![uat, uat],
                ),
            )
            .await
            .expect("added");
        assert_eq!(added.fields.tasks, vec![uat], "{name}: a task once");
        assert_eq!(added.owner_name.as_deref(), Some("rita"), "{name}");
        assert!(added.key.starts_with('R'), "{name}: {}", added.key);
        let (_, model) = store.risk_model(project).await.unwrap();
        let event = model
            .risks
            .iter()
            .find(|r| r.id == added.key)
            .expect("simulated");
        assert!(matches!(event.delay, Delay::Uncertain(_)), "{name}");
        let mut occurred = added.fields.clone();
        occurred.status = RiskStatus::Occurred;
        let stale = store
            .update_risk(
                project,
                Some(owner),
                added.id,
                added.version + 1,
                occurred.clone(),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{name}: {stale:?}"
        );
        let updated = store
            .update_risk(project, Some(owner), added.id, added.version, occurred)
            .await
            .expect("updated");
        assert_eq!(updated.version, added.version + 1, "{name}");
        assert_eq!(updated.fields.status, RiskStatus::Occurred, "{name}");
        let (_, model) = store.risk_model(project).await.unwrap();
        assert!(
            model.risks.iter().all(|r| r.id != added.key),
            "{name}: an issue is no longer drawn"
        );
        let duplicate = store
            .add_risk(
                project,
                Some(owner),
                RiskFields {
                    key: Some(added.key.clone()),
                    ..risk(0.1, ThreePoint::fixed(0), vec![])
                },
            )
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::Duplicate { .. })),
            "{name}"
        );
        store
            .set_estimate(project, Some(owner), uat, None, ThreePoint::fixed(4800))
            .await
            .expect("estimate");
        store
            .delete_risk(project, Some(owner), added.id)
            .await
            .expect("deleted");
        let history = store.history(project, None, 1000).await.unwrap();
        let actions: Vec<(String, String)> = history
            .iter()
            .filter(|entry| entry.entity == "risk" && entry.entity_id == added.id)
            .map(|entry| {
                (
                    entry.action.clone(),
                    entry.username.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            actions,
            vec![
                ("delete".to_string(), "rita".to_string()),
                ("update".to_string(), "rita".to_string()),
                ("create".to_string(), "rita".to_string()),
            ],
            "{name}"
        );
        let status_change = history
            .iter()
            .find(|entry| entry.entity == "risk" && entry.action == "update")
            .unwrap();
        assert!(
            status_change
                .changes
                .iter()
                .any(|c| c.field == "status" && c.new.as_deref() == Some("occurred")),
            "{name}: {:?}",
            status_change.changes
        );

        // A deleted task leaves the risks and takes its estimate.
        let custom = leaf("custom-code");
        let version = plan.task_versions[plan.task_index(custom).unwrap()];
        store
            .edit(
                project,
                Some(owner),
                Edit::DeleteTask {
                    task: custom,
                    version,
                },
            )
            .await
            .expect("task deleted");
        let (_, register) = store.risk_register(project).await.unwrap();
        assert!(
            register
                .risks
                .iter()
                .all(|r| !r.fields.tasks.contains(&custom)),
            "{name}"
        );
        assert!(
            register.estimates.iter().all(|e| e.task != custom),
            "{name}"
        );
        let (plan, model) = store.risk_model(project).await.unwrap();
        gantry_core::risk::validate(&plan.plan, &model).expect("still a valid model");
        backend.drop_schema().await;
    }
}

#[tokio::test]
async fn a_status_report_marked_as_sent_is_remembered_per_project() {
    for backend in backends("reports").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "petra", false).await;
        let first = store.create_project(&change_plan(), owner).await.unwrap();
        let second = store.create_project(&change_plan(), owner).await.unwrap();
        assert_eq!(
            store.last_report_sent(first.project_id).await.unwrap(),
            None,
            "{name}: nothing sent yet"
        );
        let sent = store
            .mark_report_sent(first.project_id, owner)
            .await
            .unwrap();
        assert_eq!(sent.project_id, first.project_id, "{name}");
        assert_eq!(sent.sent_by, owner, "{name}");
        assert_eq!(sent.sent_by_name, "petra", "{name}");
        assert!(
            sent.sent_at.parse::<jiff::Timestamp>().is_ok(),
            "{name}: {}",
            sent.sent_at
        );
        let again = store
            .mark_report_sent(first.project_id, owner)
            .await
            .unwrap();
        assert!(again.id > sent.id, "{name}: the newest is the last");
        assert_eq!(
            store.last_report_sent(first.project_id).await.unwrap(),
            Some(again),
            "{name}"
        );
        assert_eq!(
            store.last_report_sent(second.project_id).await.unwrap(),
            None,
            "{name}: another project's report is its own"
        );
        assert!(
            matches!(
                store.mark_report_sent(999_999, owner).await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}: no such project"
        );
        store.delete_project(first.project_id).await.unwrap();
        assert_eq!(
            store.last_report_sent(first.project_id).await.unwrap(),
            None,
            "{name}: gone with the project"
        );
        backend.drop_schema().await;
    }
}

/// Leveling a stored plan splits a task that allows it (issue 4): the split and the flag are
/// stored on the task's row, versioned, and read back equal; a plan read back schedules the
/// split task over its pause.
#[tokio::test]
async fn leveling_stores_the_splits_it_makes() {
    use gantry_store::SetupEdit;

    let text = r#"
[project]
name = "Split"
start = 2026-03-02

[resources.dana]
name = "Dana"

[[task]]
id = "build"
duration = "10d"
resources = ["dana"]
level_split = true

[[task]]
id = "fix"
duration = "3d"
priority = 700
constraint = "SNET 2026-03-04"
resources = ["dana"]
"#;
    let plan = gantry_formats::parse_plan("split.toml", text)
        .expect("plan")
        .plan;
    for backend in backends("splits").await {
        let store = &backend.store;
        let name = backend.name;
        let owner = user(store, "olivia", false).await;
        let stored = store.create_project(&plan, owner).await.unwrap();
        let project = stored.project_id;
        assert!(stored.plan.tasks[0].leveling_can_split, "{name}");
        let leveled = store
            .edit(
                project,
                Some(owner),
                Edit::Setup(SetupEdit::Level {
                    version: stored.version,
                }),
            )
            .await
            .expect("level");
        let leveling = leveled.leveling.as_ref().expect("leveling report");
        assert_eq!(leveling.splits.len(), 1, "{name}");
        assert_eq!(
            leveled.plan.plan.splits,
            [gantry_core::model::Split {
                task: gantry_core::model::TaskId(0),
                after: 2 * 480,
                gap: 3 * 480
            }],
            "{name}"
        );
        // Build works Mon 2 – Tue 3, pauses three days and ends Wed 18 March.
        assert_eq!(
            leveled.schedule.tasks[0].finish.to_civil(),
            "2026-03-18T17:00".parse().unwrap(),
            "{name}"
        );
        assert_eq!(
            leveled.plan.task_versions[0], 2,
            "{name}: the split is a change of build"
        );
        let tables = store.plan_from_tables(project).await.unwrap();
        assert_eq!(
            tables, leveled.plan,
            "{name}: the tables hold the leveled plan"
        );
        let again = store.plan(project).await.unwrap();
        assert_eq!(again.plan, leveled.plan.plan, "{name}: read back");
        backend.drop_schema().await;
    }
}
