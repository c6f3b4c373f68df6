#!/usr/bin/env python3
"""Drives the official Huawei Cloud Python SDK (huaweicloudsdkcore/dcs/sms 3.1.219) against a
running hwcloud emulator: the four seed operations with the seed example bodies must answer 200
and parse; the cutover, instance, backup, source-server, task-update and speed-limit operations
(migration_calls.py) must answer and parse; with no project id, the core must discover it
through the emulator's IAM (discovery.py); a wrong secret key must get 401 with an error code.

Usage: check.py ENDPOINT AK SK PROJECT_ID [EXAMPLES_DIR]
Exit status 0 when every check holds; the output lists each check.
"""
import json
import os
import re
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
import huaweicloudsdkdcs.v2 as dcs
import huaweicloudsdksms.v3 as sms

import discovery
import migration_calls


def to_model(module, type_name, value):
    """Builds the SDK's own model objects from plain JSON, following each model's declared
    attribute types (openapi_types) and wire names (attribute_map)."""
    if value is None:
        return None
    m = re.match(r"list\[(.+)\]$", type_name)
    if m:
        return [to_model(module, m.group(1), v) for v in value]
    if type_name in ("str", "int", "float", "bool", "object", "dict(str, str)", "datetime"):
        return value
    cls = getattr(module, type_name)
    wire_to_attr = {wire: attr for attr, wire in cls.attribute_map.items()}
    kwargs = {}
    for wire, v in value.items():
        attr = wire_to_attr.get(wire)
        if attr is None:
            raise SystemExit(f"{type_name} has no attribute for wire field {wire!r}")
        kwargs[attr] = to_model(module, cls.openapi_types[attr], v)
    return cls(**kwargs)


def load(examples, rel):
    with open(os.path.join(examples, rel), encoding="utf-8") as f:
        return json.load(f)


def main():
    endpoint, ak, sk, project = sys.argv[1:5]
    examples = sys.argv[5] if len(sys.argv) > 5 else os.path.join(
        os.path.dirname(__file__), "..", "..", "spec", "examples")
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    config.timeout = (5, 10)

    def dcs_client(secret):
        return (dcs.DcsClient.new_builder()
                .with_http_config(config)
                .with_credentials(BasicCredentials(ak, secret, project))
                .with_endpoints([endpoint])
                .build())

    def sms_client(secret):
        return (sms.SmsClient.new_builder()
                .with_http_config(config)
                .with_credentials(BasicCredentials(ak, secret, project))
                .with_endpoints([endpoint])
                .build())

    failures = []

    def check(name, fn):
        try:
            detail = fn()
            print(f"ok   {name}: {detail}")
        except Exception as e:  # noqa: BLE001 - report every failure
            failures.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}")

    c = dcs_client(sk)

    def create_migration_task():
        body = to_model(dcs, "CreateMigrationTaskBody", load(examples, "dcs/create_migration_task.request.s003.json"))
        r = c.create_migration_task(dcs.CreateMigrationTaskRequest(body=body))
        assert r.status_code == 200, r.status_code
        assert r.id, "no id parsed"
        return f"200, id={r.id}, status={r.status}"

    state = {}

    def create_online_migration_task():
        body = to_model(dcs, "CreateOnlineMigrationTaskBody", load(examples, "dcs/create_online_migration_task.request.s000.json"))
        r = c.create_online_migration_task(dcs.CreateOnlineMigrationTaskRequest(body=body))
        assert r.status_code == 200, r.status_code
        assert r.instance_id, "no instance_id parsed"
        state["task"] = r.instance_id
        return f"200, instance_id={r.instance_id}"

    def set_online_migration_task():
        body = to_model(dcs, "SetOnlineMigrationTaskBody", load(examples, "dcs/set_online_migration_task.request.s004.json"))
        # The emulator accepts configuration once the migration machine's job is done.
        import time
        for _ in range(100):
            show = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=state["task"]))
            if show.status not in ("CREATING",):
                break
            time.sleep(0.1)
        r = c.set_online_migration_task(dcs.SetOnlineMigrationTaskRequest(task_id=state["task"], body=body))
        assert r.status_code == 200, r.status_code
        assert r.id == state["task"], (r.id, state["task"])
        return f"200, id={r.id}, status={r.status}"

    def create_task():
        body = to_model(sms, "PostTask", load(examples, "sms/create_task.request.s001.json"))
        r = sms_client(sk).create_task(sms.CreateTaskRequest(body=body))
        assert r.status_code == 200, r.status_code
        assert r.id, "no id parsed"
        return f"200, id={r.id}"

    def wrong_key(client, call):
        def run():
            try:
                call(client)
            except exceptions.ClientRequestException as e:
                assert e.status_code == 401, e.status_code
                assert e.error_code and e.error_code != "401", e.error_code
                return f"401, error_code={e.error_code}, request_id={e.request_id}"
            raise AssertionError("a wrong secret key was accepted")
        return run

    check("DCS CreateMigrationTask (seed S003 body)", create_migration_task)
    check("DCS CreateOnlineMigrationTask (seed S000 body)", create_online_migration_task)
    check("DCS SetOnlineMigrationTask (seed S004 body)", set_online_migration_task)
    check("SMS CreateTask (seed S001 body)", create_task)
    migration_calls.dcs_checks(endpoint, project, c, check)
    migration_calls.sms_checks(
        endpoint, project, sms_client(sk),
        to_model(sms, "PostTask", load(examples, "sms/create_task.request.s001.json")), check)
    discovery.checks(endpoint, ak, sk, project, config, check)
    check("DCS wrong secret key", wrong_key(dcs_client(sk + "x"),
          lambda cl: cl.list_migration_task(dcs.ListMigrationTaskRequest())))
    check("SMS wrong secret key", wrong_key(sms_client(sk + "x"),
          lambda cl: cl.list_tasks(sms.ListTasksRequest())))
    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("all official-SDK checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
