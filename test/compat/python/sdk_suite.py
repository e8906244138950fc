"""
Drives a running Vigil with the Azure SDK for Python as Debian ships it (python3-azure):
azure-identity, azure-mgmt-loganalytics, azure-mgmt-monitor, azure-monitor-ingestion,
azure-monitor-query and azure-mgmt-authorization. Usage: python3 sdk_suite.py <bootstrap.json>

Every step prints one JSON line {"step", "ok", ...}; the Node test (python-sdk.test.ts) checks them.
The CA comes from REQUESTS_CA_BUNDLE, as a Python user would set it.
"""
import json
import sys
import traceback
import uuid
from datetime import datetime, timedelta, timezone

import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.monitor.ingestion import LogsIngestionClient
from azure.monitor.query import LogsBatchQuery, LogsQueryClient, LogsQueryStatus

b = json.load(open(sys.argv[1]))
endpoint = b["endpoint"]
failed = False


def report(step, ok=True, **details):
    global failed
    failed = failed or not ok
    print(json.dumps({"step": step, "ok": ok, **details}, default=str), flush=True)


def step(name):
    def run(fn):
        try:
            details = fn() or {}
            report(name, True, **details)
        except Exception as e:  # each step reports its own failure and the suite goes on
            report(name, False, error=f"{type(e).__name__}: {e}", trace=traceback.format_exc(limit=3))
        return fn
    return run


def credential(client_id, secret):
    # Vigil is the authority; MSAL must not ask Microsoft's login host to validate it.
    return ClientSecretCredential(b["tenantId"], client_id, secret, authority=b["authorityHost"], instance_discovery=False)


admin = credential(b["clientId"], b["clientSecret"])
la = LogAnalyticsManagementClient(admin, b["subscriptionId"], base_url=endpoint)
# The data collection rules of the default profile (2021-04-01) predate the Logs Ingestion API's stream declarations.
monitor = MonitorManagementClient(admin, b["subscriptionId"], base_url=endpoint, api_version="2021-09-01-preview")
authz = AuthorizationManagementClient(admin, b["subscriptionId"], base_url=endpoint)
rg = b["resourceGroup"]
state = {}
MAX = 9223372036854775807
ODD = 9007199254740993


@step("create workspace")
def _():
    ws = la.workspaces.begin_create_or_update(rg, "py-workspace", {"location": "local", "retention_in_days": 30}).result()
    state["ws"] = ws
    return {"customerId": ws.customer_id, "id": ws.id}


@step("create table")
def _():
    columns = [{"name": "TimeGenerated", "type": "dateTime"}, {"name": "Level", "type": "string"}, {"name": "Count", "type": "long"}]
    t = la.tables.begin_create_or_update(rg, "py-workspace", "PyLogs_CL", {"schema": {"name": "PyLogs_CL", "columns": columns}}).result()
    return {"name": t.name, "columns": [c.name for c in t.schema.columns]}


@step("list tables")
def _():
    names = sorted(t.name for t in la.tables.list_by_workspace(rg, "py-workspace"))
    assert "PyLogs_CL" in names, names
    return {"count": len(names)}


@step("create data collection rule")
def _():
    columns = [{"name": "TimeGenerated", "type": "datetime"}, {"name": "Level", "type": "string"}, {"name": "Count", "type": "long"}]
    rule = monitor.data_collection_rules.create(rg, "py-rule", body={
        "location": "local",
        "stream_declarations": {"Custom-PyLogs": {"columns": columns}},
        "destinations": {"log_analytics": [{"name": "main", "workspace_resource_id": state["ws"].id}]},
        "data_flows": [{"streams": ["Custom-PyLogs"], "destinations": ["main"], "transform_kql": "source", "output_stream": "Custom-PyLogs_CL"}],
    })
    state["rule"] = rule.immutable_id
    return {"immutableId": rule.immutable_id}


@step("upload")
def _():
    now = datetime.now(timezone.utc).isoformat()
    logs = [{"TimeGenerated": now, "Level": "Error", "Count": MAX}, {"TimeGenerated": now, "Level": "Info", "Count": ODD}, {"TimeGenerated": now, "Level": "Error", "Count": 1}]
    LogsIngestionClient(endpoint=endpoint, credential=admin).upload(rule_id=state["rule"], stream_name="Custom-PyLogs", logs=logs)


query = LogsQueryClient(admin, endpoint=endpoint)


@step("query")
def _():
    r = query.query_workspace(state["ws"].customer_id, "PyLogs_CL | project Level, Count | order by Count desc", timespan=timedelta(days=1))
    assert r.status == LogsQueryStatus.SUCCESS, r
    rows = [list(row) for row in r.tables[0].rows]
    assert rows == [["Error", MAX], ["Info", ODD], ["Error", 1]], rows
    return {"rows": rows}


@step("query exact long")
def _():
    r = query.query_workspace(state["ws"].customer_id, f"print a={MAX}, b=-{MAX}-1", timespan=None)
    row = list(r.tables[0].rows[0])
    assert row == [MAX, -MAX - 1], row
    return {"row": row}


@step("batch")
def _():
    ws = state["ws"].customer_id
    results = query.query_batch([
        LogsBatchQuery(ws, "PyLogs_CL | summarize n = count() by Level | order by Level asc", timespan=timedelta(days=1)),
        LogsBatchQuery(ws, "print x = 1", timespan=None),
        LogsBatchQuery(ws, "NoSuchTable_CL | take 1", timespan=timedelta(days=1)),
    ])
    first = [list(r) for r in results[0].tables[0].rows]
    assert first == [["Error", 2], ["Info", 1]], first
    assert [list(r) for r in results[1].tables[0].rows] == [[1]]
    assert results[2].__class__.__name__ == "LogsQueryError", results[2]
    return {"first": first, "third": results[2].code}


@step("workspace schema")
def _():
    s = la.schema.get(rg, "py-workspace")
    names = sorted({v.name for v in s.value})
    assert "Count" in names and "Level" in names, names
    return {"columns": len(names)}


def graph(method, path, token, body=None):
    r = requests.request(method, endpoint + path, headers={"authorization": "Bearer " + token}, json=body)
    r.raise_for_status()
    return r.json()


@step("role assignments")
def _():
    token = admin.get_token("https://graph.microsoft.com/.default").token
    sp = graph("POST", "/v1.0/servicePrincipals", token, {"displayName": "py-reader"})
    secret = graph("POST", f"/v1.0/servicePrincipals/{sp['id']}/addPassword", token, {"passwordCredential": {"displayName": "py"}})["secretText"]
    scope = state["ws"].id
    reader_role = f"/subscriptions/{b['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/73c42c96-874c-492b-b04d-ab87d138a893"
    name = str(uuid.uuid4())
    ra = authz.role_assignments.create(scope, name, {"role_definition_id": reader_role, "principal_id": sp["id"], "principal_type": "ServicePrincipal"})
    listed = [a.name for a in authz.role_assignments.list_for_scope(scope, filter="atScope()")]
    assert name in listed, listed
    defs = [d.role_name for d in authz.role_definitions.list(scope, filter="roleName eq 'Log Analytics Reader'")]
    assert defs == ["Log Analytics Reader"], defs

    reader = credential(sp["appId"], secret)
    rows = LogsQueryClient(reader, endpoint=endpoint).query_workspace(state["ws"].customer_id, "PyLogs_CL | count", timespan=timedelta(days=1)).tables[0].rows
    assert [list(r) for r in rows] == [[3]], rows
    try:
        LogsIngestionClient(endpoint=endpoint, credential=reader).upload(rule_id=state["rule"], stream_name="Custom-PyLogs", logs=[{"TimeGenerated": datetime.now(timezone.utc).isoformat(), "Level": "x", "Count": 0}])
        raise AssertionError("a Log Analytics Reader could ingest")
    except HttpResponseError as e:
        assert e.status_code == 403, e
    try:
        LogAnalyticsManagementClient(reader, b["subscriptionId"], base_url=endpoint).tables.begin_delete(rg, "py-workspace", "PyLogs_CL").result()
        raise AssertionError("a Log Analytics Reader could delete a table")
    except HttpResponseError as e:
        assert e.status_code == 403, e

    authz.role_assignments.delete(scope, name)
    assert name not in [a.name for a in authz.role_assignments.list_for_scope(scope, filter="atScope()")]
    return {"assignment": ra.id}


print(json.dumps({"done": True, "failed": failed}), flush=True)
sys.exit(1 if failed else 0)
