#!/usr/bin/env python3
"""CPU time of the official Huawei Cloud Python SDK preparing one SMS CreateTask call.

The same work as `crates/hwcloud-sms/benches/create_task.rs`, done by `huaweicloudsdkcore` /
`huaweicloudsdksms` (pinned to 3.1.219 by tools/bench/run.sh), without the network:

- outside the timed loop: parse the seed example
  `spec/examples/sms/create_task.request.s001.json` and turn it into the SDK's `PostTask`
  model once (with the client's own model deserializer), build the client once;
- inside the loop, per call:
  1. build: a `CreateTaskRequest` around a deep copy of the `PostTask` model (the SDK's models
     are mutable, so reusing one request object is not what a caller can safely do; the copy
     stands for the Rust side's clone of the typed body);
  2. prepare: `SmsClient._create_task_http_info` (what `create_task` does first), then the
     client's own request preparation `Client.build_future_request`: URL parse, header / path /
     query / post parameter sanitizing, `_parse_body` (sanitize the model and `json.dumps`),
     `SdkRequest`;
  3. sign: the credentials' `sign_request` (adds `X-Project-Id`, signs with
     `SDK-HMAC-SHA256`, sets `Authorization` and the URI).

Two variants are timed:

- `inline`: steps 2 and 3 as the SDK performs them, but `sign_request` is called directly
  instead of through the client's thread pool (`Credentials.process_auth_request` submits it to
  an executor and the client waits on the future). This is the cheaper figure, used for the
  headline comparison so that the comparison is not flattered by the pool hop.
- `as_sdk`: exactly `client.build_future_request(...).result()`, the call
  `Client.do_http_request` makes before it sends, thread-pool hop included.

CPU time is `time.process_time()` (all threads of the process) over many iterations, best of
several runs. Prints one `RESULT name microseconds` line per figure for tools/bench/run.sh.
"""

import argparse
import copy
import json
import os
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdksms.v3 import CreateTaskRequest, SmsClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(ROOT, "spec", "examples", "sms", "create_task.request.s001.json")
# The same fake values as the Rust benchmark.
ENDPOINT = "https://sms.ap-southeast-3.myhuaweicloud.com"
AK = "BENCHAKEXAMPLE0000000"
SK = "benchSecretKeyExample0000000000000000000"
PROJECT_ID = "0000000000000000000000000000bench"


def make_client():
    credentials = BasicCredentials(AK, SK, PROJECT_ID)
    # No region: the builder then asks IAM for nothing; the project id is given anyway.
    return SmsClient.new_builder().with_credentials(credentials).with_endpoints([ENDPOINT]).build()


def build(task):
    return CreateTaskRequest(body=copy.deepcopy(task))


def prepare_and_sign_inline(client, request):
    """`Client.build_future_request` step by step, with `sign_request` called inline."""
    info = SmsClient._create_task_http_info(request)
    formats = info["collection_formats"]
    credentials = client.get_credentials()
    url = client._url_parse(info["cname"])
    headers = client._parse_header_params(formats, info["header_params"])
    path = client._parse_path_params(
        formats, info["path_params"], info["resource_path"], credentials.get_update_path_params()
    )
    query = client._parse_query_params(formats, info["query_params"])
    post = client._parse_post_params(formats, info["post_params"])
    headers.setdefault("Content-Type", "application/json")
    body = client._parse_body(info["body"], post)
    sdk_request = SdkRequest(
        method=info["method"],
        schema=url.scheme,
        host=url.netloc,
        resource_path=path,
        query_params=query,
        header_params=headers,
        body=body,
        stream=client._is_stream(info["response_type"]),
        signing_algorithm=client._config.signing_algorithm,
    )
    credentials.process_sts(client.get_http_client())
    return credentials.sign_request(sdk_request)


def prepare_and_sign_as_sdk(client, request):
    """Exactly what `Client.do_http_request` does before it sends."""
    info = SmsClient._create_task_http_info(request)
    return client.build_future_request(
        info["method"],
        info["resource_path"],
        info["path_params"],
        info["query_params"],
        info["header_params"],
        info["body"],
        info["post_params"],
        info["cname"],
        info["response_type"],
        info["collection_formats"],
        None,
    ).result()


def time_per_call(fn, iterations, runs):
    """Best-of-`runs` CPU (and wall) time per call, in microseconds."""
    for _ in range(min(iterations, 500)):  # warm up
        fn()
    best_cpu = best_wall = float("inf")
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(iterations):
            fn()
        c1, w1 = time.process_time(), time.perf_counter()
        best_cpu = min(best_cpu, (c1 - c0) / iterations * 1e6)
        best_wall = min(best_wall, (w1 - w0) / iterations * 1e6)
    return best_cpu, best_wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", type=int, default=5000, help="calls per run (default 5000)")
    ap.add_argument("--runs", type=int, default=5, help="runs; the best is kept (default 5)")
    ap.add_argument("--only", action="append", default=[],
                    help="time only this figure (repeatable), e.g. python_sdk_inline")
    args = ap.parse_args()

    import huaweicloudsdkcore
    import importlib.metadata as md

    with open(SEED, encoding="utf-8") as f:
        seed = json.load(f)
    client = make_client()
    # The SDK's own model deserializer (what it uses for responses) turns the dict into models.
    task = client._deserialize(seed, "PostTask")

    # Sanity checks outside the timed loop: same body, signed with SDK-HMAC-SHA256.
    for prepare in (prepare_and_sign_inline, prepare_and_sign_as_sdk):
        signed = prepare(client, build(task))
        auth = signed.header_params.get("Authorization", "")
        assert auth.startswith("SDK-HMAC-SHA256 Access=" + AK), auth
        assert signed.header_params.get("X-Project-Id") == PROJECT_ID
        sent = json.loads(signed.body)
        assert sent["target_server"]["disks"][0]["physical_volumes"][0]["size"] == 42947575808
        assert signed.uri == "/v3/tasks", signed.uri

    figures = {
        "python_build": lambda: build(task),
        "python_prepare_sign_inline": lambda r=build(task): prepare_and_sign_inline(client, r),
        "python_sdk_inline": lambda: prepare_and_sign_inline(client, build(task)),
        "python_sdk_as_sdk": lambda: prepare_and_sign_as_sdk(client, build(task)),
    }
    print(
        f"# python {sys.version.split()[0]}, huaweicloudsdkcore {md.version('huaweicloudsdkcore')}, "
        f"huaweicloudsdksms {md.version('huaweicloudsdksms')}; "
        f"{args.iterations} calls x {args.runs} runs, best run"
    )
    del huaweicloudsdkcore
    unknown = set(args.only) - set(figures)
    if unknown:
        ap.error(f"unknown figure(s) {sorted(unknown)}; known: {sorted(figures)}")
    for name, fn in figures.items():
        if args.only and name not in args.only:
            continue
        cpu, wall = time_per_call(fn, args.iterations, args.runs)
        print(f"RESULT {name} {cpu:.2f}  # CPU us/call (wall {wall:.2f} us)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
