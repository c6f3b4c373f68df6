"""The cutover, instance, backup, source-server, task-update and speed-limit operations through
the official Python SDK against the emulator: each call must answer its documented status and
its answer must parse into the SDK's model with the fields a migration reads.

The emulator's control API (same address, no signature) registers the instances and the source
server these calls need and moves the virtual clock instead of sleeping.
"""
import json
import urllib.request

import huaweicloudsdkdcs.v2 as dcs
import huaweicloudsdksms.v3 as sms


def control(endpoint, path, body):
    """POST a JSON body to the emulator's control API; returns the decoded answer."""
    req = urllib.request.Request(
        endpoint + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def advance(endpoint, seconds):
    control(endpoint, "/_emulator/clock/advance", {"seconds": seconds})


def dcs_checks(endpoint, project, c, check):
    """ListInstances, ShowInstance, ListBackupRecords, UpdateMigrationTask,
    ExchangeInstanceIp, RollbackExchangeInstanceIp."""
    state = {}

    def setup():
        old = control(endpoint, "/_emulator/dcs/instances", {
            "project_id": project, "name": "sdk-old", "ip": "10.9.0.5",
            "backups": [{"backup_name": "nightly"}]})
        new = control(endpoint, "/_emulator/dcs/instances", {
            "project_id": project, "name": "sdk-new", "ip": "10.9.0.6"})
        state["old"] = old["instance"]["instance_id"]
        state["new"] = new["instance"]["instance_id"]
        return f"registered {state['old']} and {state['new']}"

    def list_instances():
        r = c.list_instances(dcs.ListInstancesRequest(name="sdk-", limit=10))
        assert r.status_code == 200, r.status_code
        ids = sorted(i.instance_id for i in r.instances)
        assert ids == sorted([state["old"], state["new"]]), ids
        assert all(i.status == "RUNNING" and i.port == 6379 for i in r.instances)
        return f"200, instance_num={r.instance_num}"

    def show_instance():
        r = c.show_instance(dcs.ShowInstanceRequest(instance_id=state["old"]))
        assert r.status_code == 200, r.status_code
        assert (r.instance_id, r.ip) == (state["old"], "10.9.0.5"), (r.instance_id, r.ip)
        return f"200, ip={r.ip}, domain_name={r.domain_name}"

    def list_backup_records():
        r = c.list_backup_records(dcs.ListBackupRecordsRequest(instance_id=state["old"]))
        assert r.status_code == 200, r.status_code
        b = r.backup_record_response[0]
        assert (r.total_num, b.backup_name, b.status) == (1, "nightly", "succeed")
        return f"200, backup_id={b.backup_id}"

    def incremental_task():
        created = c.create_online_migration_task(dcs.CreateOnlineMigrationTaskRequest(
            body=dcs.CreateOnlineMigrationTaskBody(
                name="sdk-cutover", vpc_id="v", subnet_id="s", security_group_id="g")))
        task = created.instance_id
        advance(endpoint, 1)
        c.set_online_migration_task(dcs.SetOnlineMigrationTaskRequest(
            task_id=task, body=dcs.SetOnlineMigrationTaskBody(
                migration_method="incremental_migration", resume_mode="manual",
                source_instance=dcs.ConfigMigrationInstanceBody(id=state["old"]),
                target_instance=dcs.ConfigMigrationInstanceBody(id=state["new"]))))
        advance(endpoint, 2)
        state["task"] = task
        show = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=task))
        assert show.status == "INCRMIGEATING", show.status
        return f"task {task} is {show.status}"

    def update_migration_task():
        r = c.update_migration_task(dcs.UpdateMigrationTaskRequest(
            task_id=state["task"], body=dcs.MigrationUpdateRequestEntity(resume_mode="auto")))
        assert r.status_code == 200, r.status_code
        show = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=state["task"]))
        assert show.resume_mode == "auto", show.resume_mode
        return "200, resume_mode=auto"

    def exchange_instance_ip():
        r = c.exchange_instance_ip(dcs.ExchangeInstanceIpRequest(
            task_id=state["task"],
            body=dcs.IpExchangeRequest(exchanged_ip=["10.9.0.5"], is_exchange_domain=False)))
        assert r.status_code == 204, r.status_code
        during = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=state["task"]))
        advance(endpoint, 2)
        after = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=state["task"]))
        assert (during.task_status, after.task_status) == ("EXCHANGING", "EXCHANGE_SUCCESS")
        target = c.show_instance(dcs.ShowInstanceRequest(instance_id=state["new"]))
        assert target.ip == "10.9.0.5", target.ip
        return "204, task_status EXCHANGING -> EXCHANGE_SUCCESS"

    def rollback_exchange_instance_ip():
        r = c.rollback_exchange_instance_ip(
            dcs.RollbackExchangeInstanceIpRequest(task_id=state["task"]))
        assert r.status_code == 204, r.status_code
        advance(endpoint, 2)
        after = c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=state["task"]))
        assert after.task_status == "ROLLBACK_SUCCESS", after.task_status
        return "204, task_status ROLLBACK_SUCCESS"

    check("emulator control API: register DCS instances", setup)
    check("DCS ListInstances", list_instances)
    check("DCS ShowInstance", show_instance)
    check("DCS ListBackupRecords", list_backup_records)
    check("DCS incremental task between the instances", incremental_task)
    check("DCS UpdateMigrationTask", update_migration_task)
    check("DCS ExchangeInstanceIp", exchange_instance_ip)
    check("DCS RollbackExchangeInstanceIp", rollback_exchange_instance_ip)


def sms_checks(endpoint, project, c, task_body, check):
    """ListServers, ShowServer, UpdateTask, UpdateSpeed, ShowsSpeedLimits."""
    state = {}

    def setup():
        s = control(endpoint, "/_emulator/sms/sources", {
            "project_id": project, "source_server": {"name": "sdk-web", "ip": "192.168.9.21"}})
        state["source"] = s["id"]
        return f"registered {s['id']}"

    def list_servers():
        r = c.list_servers(sms.ListServersRequest(name="sdk-web"))
        assert r.status_code == 200, r.status_code
        assert [s.id for s in r.source_servers] == [state["source"]], r.source_servers
        return f"200, count={r.count}"

    def show_server():
        r = c.show_server(sms.ShowServerRequest(source_id=state["source"]))
        assert r.status_code == 200, r.status_code
        disks = r.init_target_server.disks
        assert disks and disks[0].size > 0 and disks[0].device_use == "BOOT", disks
        state["disks"] = disks
        return f"200, {len(disks)} recommended disk(s), first {disks[0].name}"

    def create_task_for_source():
        task_body.source_server = sms.SourceServerByTask(id=state["source"])
        r = c.create_task(sms.CreateTaskRequest(body=task_body))
        assert r.status_code == 200, r.status_code
        state["task"] = r.id
        return f"200, id={r.id}"

    def update_task():
        r = c.update_task(sms.UpdateTaskRequest(
            task_id=state["task"], body=sms.PutTaskReq(name="sdk-renamed", speed_limit=100)))
        assert r.status_code == 200 and r.id == state["task"], (r.status_code, r.id)
        shown = c.show_task(sms.ShowTaskRequest(task_id=state["task"]))
        assert (shown.name, shown.speed_limit) == ("sdk-renamed", 100)
        return f"200, id={r.id}"

    def update_speed():
        windows = [sms.SpeedLimitlJson(start="0:00", end="8:00", speed=20),
                   sms.SpeedLimitlJson(start="8:00", end="24:00", speed=50,
                                       over_speed_threshold=50.0)]
        r = c.update_speed(sms.UpdateSpeedRequest(
            task_id=state["task"], body=sms.SpeedLimit(speed_limit=windows)))
        assert r.status_code == 200, r.status_code
        return "200"

    def shows_speed_limits():
        r = c.shows_speed_limits(sms.ShowsSpeedLimitsRequest(task_id=state["task"]))
        assert r.status_code == 200, r.status_code
        got = [(w.start, w.end, w.speed) for w in r.speed_limit]
        assert got == [("0:00", "8:00", 20), ("8:00", "24:00", 50)], got
        return f"200, {len(got)} window(s)"

    check("emulator control API: register an SMS source server", setup)
    check("SMS ListServers", list_servers)
    check("SMS ShowServer", show_server)
    check("SMS CreateTask for the registered source", create_task_for_source)
    check("SMS UpdateTask", update_task)
    check("SMS UpdateSpeed", update_speed)
    check("SMS ShowsSpeedLimits", shows_speed_limits)
