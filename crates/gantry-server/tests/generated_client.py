"""Drives every endpoint of Gantry's JSON API through a client that openapi-python-client
generated from the server's own OpenAPI document, as a team's script would.

Usage: generated_client.py BASE_URL USERNAME PASSWORD PLAN_FILE OTHER_USER_ID
(the generated package `gantry_api_client` on PYTHONPATH). Fails, naming the operation, when a
call does not answer as documented, and at the end when an operation of the generated client
was never called.
"""

import importlib
import pkgutil
import sys
from http import HTTPStatus

import gantry_api_client.api as api_package
from gantry_api_client import AuthenticatedClient, Client
from gantry_api_client.api.auth import create_token, list_tokens, login, logout, me, revoke_token
from gantry_api_client.api.control import (
    clear_baseline,
    create_expense,
    create_time_entry,
    delete_expense,
    delete_time_entry,
    get_evm,
    list_baselines,
    list_expenses,
    list_time_entries,
    put_fixed_cost,
    save_baseline,
)
from gantry_api_client.api.changes import (
    approve_change,
    change_impact,
    create_change,
    get_change,
    list_changes,
    reject_change,
)
from gantry_api_client.api.risks import (
    create_risk,
    delete_estimate,
    delete_risk,
    get_risk,
    list_estimates,
    list_risks,
    put_estimate,
    simulate,
    update_risk,
)
from gantry_api_client.api.projects import (
    apply_leveling,
    create_assignment,
    create_calendar,
    create_comment,
    create_exception,
    create_link,
    create_project,
    create_resource,
    create_task,
    delete_assignment,
    delete_calendar,
    delete_exception,
    delete_link,
    delete_member,
    delete_project,
    delete_resource,
    delete_task,
    export_project,
    get_project,
    get_schedule,
    history,
    import_project,
    list_assignments,
    list_calendars,
    list_comments,
    list_members,
    list_projects,
    list_resources,
    list_tasks,
    move_task,
    preview_leveling,
    put_member,
    update_assignment,
    update_calendar,
    update_exception,
    update_project,
    update_resource,
    update_task,
    workload,
)
from gantry_api_client.models import (
    ApproveInput,
    AssignmentChanges,
    ChangeInput,
    AssignmentInput,
    CalendarInput,
    CalendarInputWeekType0,
    CommentInput,
    CreateProject,
    EstimateInput,
    RiskInput,
    SimulateInput,
    CreateTokenRequest,
    ExceptionInput,
    ExpenseInput,
    FixedCostInput,
    LevelInput,
    LinkInput,
    LoginRequest,
    RejectInput,
    MemberInput,
    MoveInput,
    ProjectInput,
    ResourceInput,
    TaskInput,
    TimeEntryInput,
)
from gantry_api_client.types import File

called = set()


def call(operation, expected, *args, **kwargs):
    """Calls `operation` and checks its status; returns the parsed answer (the response for
    answers without a JSON body)."""
    name = operation.__name__.rsplit(".", 1)[-1]
    response = operation.sync_detailed(*args, **kwargs)
    if response.status_code != expected:
        sys.exit(
            f"{name}: expected {int(expected)}, got {int(response.status_code)}: "
            f"{response.content[:500]!r}"
        )
    called.add(name)
    return response.parsed if response.parsed is not None else response


def main():
    base, username, password, plan_file, other_user = sys.argv[1:6]
    other_user = int(other_user)
    anonymous = Client(base_url=base)

    # A session: log in, then create an API token with the cookie and its CSRF token.
    response = login.sync_detailed(
        client=anonymous, body=LoginRequest(username=username, password=password)
    )
    assert response.status_code == HTTPStatus.OK, response.content
    called.add("login")
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    cookie_name, cookie_value = cookie.split("=", 1)
    session = Client(
        base_url=base,
        cookies={cookie_name: cookie_value},
        headers={"x-csrf-token": response.parsed.csrf_token},
    )
    assert call(me, HTTPStatus.OK, client=session).username == username
    token = call(
        create_token, HTTPStatus.CREATED, client=session, body=CreateTokenRequest(name="script")
    )
    assert any(t.id == token.id for t in call(list_tokens, HTTPStatus.OK, client=session))
    client = AuthenticatedClient(base_url=base, token=token.token)

    # A project from a plan file, and its own fields.
    with open(plan_file, "rb") as file:
        project = call(
            import_project,
            HTTPStatus.CREATED,
            client=client,
            body=File(payload=file, file_name="plan.toml"),
            name="plan.toml",
        )
    p = project.id
    assert any(item.id == p for item in call(list_projects, HTTPStatus.OK, client=client).items)
    detail = call(get_project, HTTPStatus.OK, p, client=client)
    detail = call(
        update_project,
        HTTPStatus.OK,
        p,
        client=client,
        body=ProjectInput(version=detail.version, name="Renamed by a generated client"),
    )
    assert detail.name == "Renamed by a generated client"

    # Tasks and links.
    schedule = call(get_schedule, HTTPStatus.OK, p, client=client)
    page = call(list_tasks, HTTPStatus.OK, p, client=client, offset=0, limit=500)
    assert page.total == len(schedule.tasks)
    leaf = next(task for task in schedule.tasks if not task.is_summary)
    summary = next(task for task in schedule.tasks if task.is_summary)
    created = call(
        create_task,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=TaskInput(name="Review", duration_minutes=480),
    )
    task = created.task
    edited = call(
        update_task,
        HTTPStatus.OK,
        p,
        task.id,
        client=client,
        body=TaskInput(version=task.version, name="Review the design", duration_minutes=960),
    )
    assert edited.task.duration_minutes == 960
    moved = call(
        move_task,
        HTTPStatus.OK,
        p,
        task.id,
        client=client,
        body=MoveInput(version=edited.task.version, parent_id=summary.id),
    )
    assert moved.task.parent_id == summary.id
    task = moved.task
    link = call(
        create_link,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=LinkInput(predecessor_id=leaf.id, successor_id=task.id),
    )
    call(delete_link, HTTPStatus.NO_CONTENT, p, link.id, client=client, version=link.version)

    # Resources and assignments.
    dana = call(
        create_resource,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=ResourceInput(key="dana-gen", name="Dana", standard_rate=90.0),
    )
    dana = call(
        update_resource,
        HTTPStatus.OK,
        p,
        dana.id,
        client=client,
        body=ResourceInput(version=dana.version, max_units=0.5),
    )
    assert dana.max_units == 0.5
    assert any(r.id == dana.id for r in call(list_resources, HTTPStatus.OK, p, client=client))
    staffed = call(
        create_assignment,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=AssignmentInput(task_id=task.id, resource_id=dana.id, units=0.5),
    )
    assignment = staffed.assignment
    changed = call(
        update_assignment,
        HTTPStatus.OK,
        p,
        assignment.id,
        client=client,
        body=AssignmentChanges(version=assignment.version, units=1.0),
    )
    assert any(
        a.id == assignment.id for a in call(list_assignments, HTTPStatus.OK, p, client=client)
    )
    call(
        delete_assignment,
        HTTPStatus.NO_CONTENT,
        p,
        assignment.id,
        client=client,
        version=changed.assignment.version,
    )
    call(delete_resource, HTTPStatus.NO_CONTENT, p, dana.id, client=client, version=dana.version)

    # Baselines, earned value, time entries, expenses and fixed costs.
    saved = call(save_baseline, HTTPStatus.OK, p, 0, client=client)
    assert [b.number for b in saved.baselines] == [0], saved
    listed = call(list_baselines, HTTPStatus.OK, p, client=client)
    assert [b.name for b in listed.baselines] == ["Baseline"], listed
    staffed = call(list_assignments, HTTPStatus.OK, p, client=client)[0]
    entry = call(
        create_time_entry,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=TimeEntryInput(
            task_id=staffed.task_id, resource_id=staffed.resource_id, date="2026-01-06", hours=6.0
        ),
    ).time_entry
    assert entry.hours == 6.0 and entry.resource_id == staffed.resource_id, entry
    entries = call(list_time_entries, HTTPStatus.OK, p, client=client).time_entries
    assert any(e.id == entry.id for e in entries), entries
    expense = call(
        create_expense,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=ExpenseInput(
            task_id=staffed.task_id, date="2026-01-07", amount=250.0, description="Workshop room"
        ),
    ).expense
    expenses = call(list_expenses, HTTPStatus.OK, p, client=client).expenses
    assert [e.description for e in expenses] == ["Workshop room"], expenses
    staffed_task = next(
        t for t in call(get_schedule, HTTPStatus.OK, p, client=client).tasks
        if t.id == staffed.task_id
    )
    fixed = call(
        put_fixed_cost,
        HTTPStatus.OK,
        p,
        staffed.task_id,
        client=client,
        body=FixedCostInput(version=staffed_task.version, amount=1200.0, accrual="start"),
    )
    assert fixed.amount == 1200.0 and fixed.accrual == "start", fixed
    evm = call(get_evm, HTTPStatus.OK, p, client=client, baseline=0, status_date="2026-02-13")
    assert evm.baseline_name == "Baseline" and evm.figures.bac > 0, evm.figures
    assert evm.figures.ac > 0 and evm.s_curve, evm.figures
    call(delete_time_entry, HTTPStatus.NO_CONTENT, p, entry.id, client=client)
    call(delete_expense, HTTPStatus.NO_CONTENT, p, expense.id, client=client)
    call(clear_baseline, HTTPStatus.NO_CONTENT, p, 0, client=client)

    # Calendars and their exceptions.
    calendars = call(list_calendars, HTTPStatus.OK, p, client=client)
    standard = next(c for c in calendars if c.is_project_calendar)
    weekend = call(
        create_calendar,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=CalendarInput(
            name="Weekend",
            base_id=standard.id,
            week=CalendarInputWeekType0.from_dict({"saturday": ["08:00-16:00"]}),
        ),
    )
    weekend = call(
        update_calendar,
        HTTPStatus.OK,
        p,
        weekend.id,
        client=client,
        body=CalendarInput(version=weekend.version, name="Weekend shift"),
    )
    weekend = call(
        create_exception,
        HTTPStatus.CREATED,
        p,
        weekend.id,
        client=client,
        body=ExceptionInput(version=weekend.version, name="Closed", from_="2026-12-24"),
    )
    exception = weekend.exceptions[0]
    weekend = call(
        update_exception,
        HTTPStatus.OK,
        p,
        weekend.id,
        exception.id,
        client=client,
        body=ExceptionInput(
            version=weekend.version, name="Closed", from_="2026-12-24", to="2026-12-26"
        ),
    )
    call(
        delete_exception,
        HTTPStatus.NO_CONTENT,
        p,
        weekend.id,
        exception.id,
        client=client,
        version=weekend.version,
    )
    call(delete_calendar, HTTPStatus.NO_CONTENT, p, weekend.id, client=client, version=weekend.version + 1)

    # Members, comments, history.
    call(put_member, HTTPStatus.NO_CONTENT, p, other_user, client=client, body=MemberInput(role="viewer"))
    assert any(m.user_id == other_user for m in call(list_members, HTTPStatus.OK, p, client=client))
    call(delete_member, HTTPStatus.NO_CONTENT, p, other_user, client=client)
    call(
        create_comment,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=CommentInput(body="Design reviewed", task_id=task.id),
    )
    comments = call(list_comments, HTTPStatus.OK, p, client=client, task_id=task.id)
    assert [c.body for c in comments] == ["Design reviewed"]
    assert len(call(history, HTTPStatus.OK, p, client=client, limit=5)) == 5

    # Change requests: one proposed, its impact, approved; another rejected.
    schedule = call(get_schedule, HTTPStatus.OK, p, client=client)
    task = next(t for t in schedule.tasks if t.id == task.id)
    change = call(
        create_change,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=ChangeInput.from_dict(
            {
                "title": "Longer design",
                "reason": "Review findings",
                "items": [
                    {
                        "kind": "set_duration",
                        "task": task.id,
                        "version": task.version,
                        "duration_minutes": task.duration_minutes + 5 * 480,
                    }
                ],
            }
        ),
    )
    assert change.status == "proposed", change
    impact = call(change_impact, HTTPStatus.OK, p, change.id, client=client)
    assert impact.finish_after >= impact.finish_before, impact
    assert call(get_change, HTTPStatus.OK, p, change.id, client=client).title == "Longer design"
    approved = call(
        approve_change, HTTPStatus.OK, p, change.id, client=client, body=ApproveInput(note="Agreed")
    )
    assert approved.status == "approved" and approved.impact is not None, approved
    other = call(
        create_change,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=ChangeInput.from_dict(
            {
                "title": "Extra task",
                "reason": "Scope",
                "items": [{"kind": "add_task", "name": "Extra", "duration_minutes": 480}],
            }
        ),
    )
    rejected = call(
        reject_change, HTTPStatus.OK, p, other.id, client=client, body=RejectInput(reason="Not now")
    )
    assert rejected.status == "rejected" and rejected.decision_note == "Not now", rejected
    assert [c.status for c in call(list_changes, HTTPStatus.OK, p, client=client)] == [
        "rejected",
        "approved",
    ]

    # Risks: one added, read, edited; an estimate set, listed and removed; a simulation.
    leaf = next(t for t in call(get_schedule, HTTPStatus.OK, p, client=client).tasks if not t.is_summary)
    risk = call(
        create_risk,
        HTTPStatus.CREATED,
        p,
        client=client,
        body=RiskInput.from_dict(
            {
                "title": "Vendor late",
                "probability": 0.5,
                "delay": {"min": 480, "likely": 960, "max": 2400},
                "cost": 500.0,
                "tasks": [leaf.id],
                "strategy": "mitigate",
            }
        ),
    )
    assert risk.bands.probability == 4 and risk.key == "R1", risk
    assert [r.id for r in call(list_risks, HTTPStatus.OK, p, client=client)] == [risk.id]
    assert call(get_risk, HTTPStatus.OK, p, risk.id, client=client).title == "Vendor late"
    edited = call(
        update_risk,
        HTTPStatus.OK,
        p,
        risk.id,
        client=client,
        body=RiskInput.from_dict(
            {"title": "Vendor very late", "probability": 0.8, "version": risk.version, "tasks": [leaf.id]}
        ),
    )
    assert edited.version == risk.version + 1 and edited.bands.probability == 5, edited
    estimate = call(
        put_estimate,
        HTTPStatus.OK,
        p,
        leaf.id,
        client=client,
        body=EstimateInput.from_dict({"duration": {"min": 480, "likely": 960, "max": 1920}}),
    )
    assert estimate.task == leaf.id, estimate
    assert [e.task for e in call(list_estimates, HTTPStatus.OK, p, client=client)] == [leaf.id]
    result = call(
        simulate,
        HTTPStatus.OK,
        p,
        client=client,
        body=SimulateInput(iterations=300, seed=5),
    )
    assert result.iterations == 300 and result.finish.p90 >= result.finish.p10, result
    call(delete_estimate, HTTPStatus.NO_CONTENT, p, leaf.id, client=client)
    call(delete_risk, HTTPStatus.NO_CONTENT, p, risk.id, client=client)

    # Workload, leveling, export, deletes.
    loads = call(workload, HTTPStatus.OK, p, client=client, period="week")
    assert loads and loads[0].periods, loads
    preview = call(preview_leveling, HTTPStatus.OK, p, client=client)
    applied = call(
        apply_leveling, HTTPStatus.OK, p, client=client, body=LevelInput(version=preview.version)
    )
    assert applied.applied and applied.finish_after == preview.finish_after
    exported = call(export_project, HTTPStatus.OK, p, client=client, format_="mspdi")
    assert exported.content.startswith(b"<?xml"), exported.content[:100]
    schedule = call(get_schedule, HTTPStatus.OK, p, client=client)
    task = next(t for t in schedule.tasks if t.id == task.id)
    call(delete_task, HTTPStatus.NO_CONTENT, p, task.id, client=client, version=task.version)
    empty = call(
        create_project,
        HTTPStatus.CREATED,
        client=client,
        body=CreateProject(name="Empty", start="2026-03-02"),
    )
    call(delete_project, HTTPStatus.NO_CONTENT, empty.id, client=client)
    call(revoke_token, HTTPStatus.NO_CONTENT, token.id, client=session)
    call(logout, HTTPStatus.NO_CONTENT, client=session)

    # Every operation the generated client has was called.
    operations = set()
    for group in pkgutil.iter_modules(api_package.__path__):
        module = importlib.import_module(f"{api_package.__name__}.{group.name}")
        operations |= {m.name for m in pkgutil.iter_modules(module.__path__)}
    missing = sorted(operations - called)
    if missing:
        sys.exit(f"operations never called: {', '.join(missing)}")
    print(f"called all {len(operations)} operations of the generated client")


if __name__ == "__main__":
    main()
