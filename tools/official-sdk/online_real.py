#!/usr/bin/env python3
"""The online migration flow through the official Huawei Cloud Python SDK (huaweicloudsdkdcs
3.1.219) against an emulator whose instances are backed by real Redis servers (started with
`hwcloud emulator serve --spawn-redis 2`, or `--instance ID=URL` twice): data is written to the
source, a full + incremental migration is created, configured, followed and stopped with the
SDK, and the data — including a write made during the incremental phase — is read back from
the target server.

Usage: online_real.py ENDPOINT AK SK PROJECT_ID
The first two Redis-backed instances the emulator lists are the source and the target.
Exit status 0 when every check holds; the output lists each step.
"""
import json
import socket
import sys
import time
import urllib.parse
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
import huaweicloudsdkdcs.v2 as dcs

LIMIT = 60  # seconds for each wait


class Redis:
    """Just enough RESP to write and read a few keys (no password: spawned servers have none)."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def send(self, *args):
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            a = str(a).encode()
            out += f"${len(a)}\r\n".encode() + a + b"\r\n"
        self.sock.sendall(out)

    def call(self, *args):
        self.send(*args)
        return self._reply()


def wait(what, fn):
    deadline = time.time() + LIMIT
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise SystemExit(f"FAIL waiting for {what}")
        time.sleep(0.1)


def main():
    endpoint, ak, sk, project = sys.argv[1:5]
    with urllib.request.urlopen(endpoint + "/_emulator/instances", timeout=10) as r:
        instances = json.loads(r.read())["instances"]
    if len(instances) < 2:
        raise SystemExit(f"FAIL need two Redis-backed instances, the emulator lists {instances}")
    source, target = instances[0], instances[1]
    print(f"ok   instances: source {source['instance_id']} at {source['url']}, "
          f"target {target['instance_id']} at {target['url']}")

    src = Redis(source["url"])
    for i in range(2000):
        src.send("SET", f"sdk:str:{i}", f"value-{i}")
        src.send("HSET", f"sdk:hash:{i % 100}", f"f{i}", i)
    for _ in range(4000):
        src._reply()
    src.call("RPUSH", "sdk:list", "a", "b", "c")
    keys = src.call("DBSIZE")
    print(f"ok   wrote {keys} keys to the source")

    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    c = (dcs.DcsClient.new_builder()
         .with_http_config(config)
         .with_credentials(BasicCredentials(ak, sk, project))
         .with_endpoints([endpoint])
         .build())

    created = c.create_online_migration_task(dcs.CreateOnlineMigrationTaskRequest(
        body=dcs.CreateOnlineMigrationTaskBody(
            name="official-sdk-real", vpc_id="vpc", subnet_id="subnet",
            security_group_id="sg")))
    task = created.instance_id

    def status():
        return c.show_migration_task(dcs.ShowMigrationTaskRequest(task_id=task)).status

    # The SDK's model has no job_id: wait for the machine through the task's status.
    wait("the migration machine", lambda: status() == "RUNNING")
    print(f"ok   CreateOnlineMigrationTask: task {task}, machine ready (RUNNING)")

    c.set_online_migration_task(dcs.SetOnlineMigrationTaskRequest(
        task_id=task,
        body=dcs.SetOnlineMigrationTaskBody(
            migration_method="incremental_migration", resume_mode="auto",
            source_instance=dcs.ConfigMigrationInstanceBody(id=source["instance_id"]),
            target_instance=dcs.ConfigMigrationInstanceBody(id=target["instance_id"]))))

    wait("INCRMIGEATING", lambda: status() in ("INCRMIGEATING", "FAILED"))
    if status() == "FAILED":
        logs = c.list_migration_task_logs(dcs.ListMigrationTaskLogsRequest(task_id=task))
        raise SystemExit(f"FAIL the task failed: {[l.message for l in logs.migration_logs]}")
    stats = c.show_migration_task_stats(dcs.ShowMigrationTaskStatsRequest(task_id=task))
    print(f"ok   SetOnlineMigrationTask: INCRMIGEATING, progress {stats.full_migration_progress}%")

    dst = Redis(target["url"])
    wait("every key on the target", lambda: dst.call("DBSIZE") == keys)
    src.call("SET", "sdk:during-incremental", "arrived")
    wait("the incremental write", lambda: dst.call("GET", "sdk:during-incremental") == "arrived")
    assert dst.call("GET", "sdk:str:1999") == "value-1999"
    assert dst.call("HGET", "sdk:hash:7", "f1907") == "1907"
    assert dst.call("LRANGE", "sdk:list", 0, -1) == ["a", "b", "c"]
    print(f"ok   the target holds the data: {dst.call('DBSIZE')} keys, the incremental write too")

    c.stop_migration_task(dcs.StopMigrationTaskRequest(task_id=task))
    wait("TERMINATED", lambda: status() == "TERMINATED")
    logs = c.list_migration_task_logs(dcs.ListMigrationTaskLogsRequest(task_id=task, limit=1000))
    engine = [l.message for l in logs.migration_logs if l.message.startswith("engine:")]
    assert engine, "no engine events in the task log"
    print(f"ok   StopMigrationTask: TERMINATED; {len(engine)} engine events in the log")
    print("the online flow moved real data through the official SDK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
