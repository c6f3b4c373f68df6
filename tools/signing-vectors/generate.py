#!/usr/bin/env python3
"""Generate request-signing test vectors from the OFFICIAL Huawei Cloud Python SDK core.

Requires `huaweicloudsdkcore==3.1.219` (see README.md). Every value written to the JSON files
comes from the official code:

* the wire path is built by `HcClient._parse_path_params` (path params quoted with
  `quote(v, safe='')`, `{project_id}` filled from `BasicCredentials.get_update_path_params`);
* query tuples come from `HcClient._parse_query_params` (lists expanded in `multi` format);
* JSON bodies come from `HcClient._parse_body` (simplejson, `ensure_ascii=True`);
* `X-Project-Id` / `X-Security-Token` are added by `BasicCredentials.sign_request`;
* the request is signed by the official entry point (`BasicCredentials.sign_request`, which picks
  `Signer`, `SM3Signer` or `DerivationAKSKSigner`), and
* every intermediate value comes from the signer's own internal methods, called in the same
  order as its `sign()` method; the script asserts that the Authorization header obtained that
  way equals the one the official entry point set.

Nothing is recomputed here. Run from the repository root:

    .venv-signing/bin/python tools/signing-vectors/generate.py
"""

import base64
import copy
import json
import os
import shutil
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.client import Client as HcClient
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
from huaweicloudsdkcore.signer.signer import DerivationAKSKSigner, SM3Signer, Signer

try:
    from importlib.metadata import version as _pkg_version

    SDK_VERSION = _pkg_version("huaweicloudsdkcore")
except Exception:  # pragma: no cover
    SDK_VERSION = "unknown"

REQUIRED_VERSION = "3.1.219"

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "crates", "hwcloud-core", "tests", "signing-vectors")

# Obviously fake credentials.
AK = "EXAMPLEAKHPUA0000001"
SK = "exampleSK0123456789abcdefghijKLMNOPQRSTuv"
PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "gQpjbi1ub3J0aC00-EXAMPLE-SECURITY-TOKEN+/=="
DATE = "20240315T083000Z"
DCS_HOST = "dcs.cn-north-4.myhuaweicloud.com"
SMS_HOST = "sms.cn-north-4.myhuaweicloud.com"
# The real client sends "huaweicloud-usdk-python/3.0; <user_agent_string>", where the second part
# has a random per-process app id. A fixed value keeps the vectors reproducible.
USER_AGENT = "huaweicloud-usdk-python/3.0; os/Linux python/3.11.7 impl/CPython"

ALGS = {
    "sha256": ("SDK-HMAC-SHA256", SigningAlgorithm.HMAC_SHA256, Signer),
    "sm3": ("SDK-HMAC-SM3", SigningAlgorithm.HMAC_SM3, SM3Signer),
    "v11": ("V11-HMAC-SHA256", SigningAlgorithm.HMAC_SHA256, DerivationAKSKSigner),
}


def build_request(case):
    """Build the SdkRequest exactly as HcClient.build_future_request would (minus I/O)."""
    project_id = case.get("project_id", PROJECT)
    creds = BasicCredentials(case.get("ak", AK), case.get("sk", SK), project_id)
    collection_formats = case.get("collection_formats", {})

    # Path: the client's own function. `self` is only used for the classmethod
    # `_post_process_params`, so the class object stands in for an instance.
    resource_path = HcClient._parse_path_params(
        HcClient,
        collection_formats,
        copy.deepcopy(case.get("path_params", {})),
        case["template"],
        creds.get_update_path_params(),
    )
    query = HcClient._parse_query_params(
        HcClient, collection_formats, copy.deepcopy(case.get("query", []))
    )

    if "raw_headers" in case:
        headers = dict(case["raw_headers"])
    else:
        headers = dict(case.get("headers", {}))
        headers["User-Agent"] = USER_AGENT
        if case.get("content_type", "application/json") is not None:
            headers.setdefault("Content-Type", case.get("content_type", "application/json"))
    if not any(k.lower() == "x-sdk-date" for k in headers):
        headers["X-Sdk-Date"] = case.get("date", DATE)
    # Host is normally added by the signer itself (_process_header_host) from request.host.

    if "json_body" in case:
        body = HcClient._parse_body(case["json_body"])
    else:
        body = case.get("body")

    req = SdkRequest(
        method=case["method"],
        schema="https",
        host=case.get("host", DCS_HOST),
        resource_path=resource_path,
        query_params=query,
        header_params=headers,
        body=body,
        signing_algorithm=ALGS[case["alg"]][1],
    )
    if case.get("security_token"):
        creds.security_token = case["security_token"]
    if case["alg"] == "v11":
        creds.with_derived_predicate(lambda _r: True)
        creds._process_derived_auth_params(case["service"], case["region"])
    return creds, req


def official_sign(creds, req):
    """The official entry point, as the SDK calls it."""
    signed = creds.sign_request(req)
    return signed.header_params["Authorization"], signed.uri


def intermediates(case, creds, req):
    """Run the official signer's internal steps in the order of its sign() method."""
    alg = case["alg"]
    signer = ALGS[alg][2](creds)
    # BasicCredentials.sign_request adds these before delegating to the signer.
    if creds.project_id:
        req.header_params[BasicCredentials._X_PROJECT_ID] = creds.project_id
    if creds.security_token is not None:
        req.header_params["X-Security-Token"] = creds.security_token
    if isinstance(req.body, str):
        req.body = req.body.encode("utf-8")  # six.ensure_binary, as in sign()
    signer._process_content_header(req)
    t = signer._process_header_time(req)
    signer._process_header_host(req)
    # Snapshot: these are the headers the signer signs (what goes on the wire).
    headers = [[k, v] for k, v in req.header_params.items()]
    signed_headers = signer._process_signed_headers(req)
    canonical_request = signer._process_canonical_request(req, signed_headers)
    if alg == "v11":
        from datetime import datetime

        from huaweicloudsdkcore.signer import hkdf

        date_str = datetime.strftime(t, signer.BasicISODateFormat)
        info = "%s/%s/%s" % (date_str, case["region"], case["service"])
        string_to_sign = signer._process_string_to_sign(canonical_request, t, info)
        key = hkdf.get_der_key_sha256(access_key=creds.ak, secret_key=creds.sk, info=info)
        signature = signer._sign_string_to_sign(string_to_sign, key)
        authorization = signer._process_auth_header_value(signature, creds.ak, signed_headers, info)
    else:
        string_to_sign = signer._process_string_to_sign(canonical_request, t)
        signature = signer._sign_string_to_sign(string_to_sign, creds.sk)
        authorization = signer._process_auth_header_value(signature, creds.ak, signed_headers)
    return {
        "headers": headers,
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "signed_headers": ";".join(signed_headers),
        "signature": signature,
        "authorization": authorization,
    }


def query_pairs(req):
    """The decoded query pairs as strings, in send order.

    Booleans become "true"/"false" (the signer lower-cases them, and the wire query is the
    canonical query string); everything else is str(value), as the signer does.
    """
    out = []
    for k, v in req.query_params or []:
        if isinstance(v, bool):
            out.append([k, str(v).lower()])
        else:
            out.append([k, str(v)])
    return out


def body_fields(body):
    if body is None:
        return {"body": ""}
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def make_vector(num, case):
    creds_a, req_a = build_request(case)
    creds_b, req_b = build_request(case)
    wire_path = req_a.resource_path
    pairs = query_pairs(req_a)
    python_query = repr(req_a.query_params)
    body = copy.deepcopy(req_a.body)

    auth_official, wire_uri = official_sign(creds_a, req_a)
    steps = intermediates(case, creds_b, req_b)
    if steps["authorization"] != auth_official:
        raise SystemExit(
            "case %s: step-by-step authorization differs from the official sign():\n%s\n%s"
            % (case["name"], steps["authorization"], auth_official)
        )

    vec = {
        "name": case["name"],
        "description": case["desc"],
        "generated_by": "huaweicloudsdkcore==%s signer/signer.py (%s)" % (SDK_VERSION, ALGS[case["alg"]][2].__name__),
        "algorithm": ALGS[case["alg"]][0],
        "ak": creds_a.ak,
        "sk": creds_a.sk,
        "scope": {"region": case["region"], "service": case["service"]} if case["alg"] == "v11" else None,
        "method": case["method"],
        "path": wire_path,
        "query": pairs,
        "python_query_params": python_query,
        "headers": steps["headers"],
    }
    vec.update(body_fields(body))
    vec["wire_uri"] = wire_uri
    vec["expected"] = {
        "canonical_request": steps["canonical_request"],
        "string_to_sign": steps["string_to_sign"],
        "signed_headers": steps["signed_headers"],
        "signature": steps["signature"],
        "authorization": steps["authorization"],
    }
    fname = "%03d-%s.json" % (num, case["name"])
    with open(os.path.join(OUT_DIR, fname), "w", encoding="utf-8") as f:
        json.dump(vec, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return fname


MIG = "/v2/{project_id}/migration-task"
MIG_ID = "/v2/{project_id}/migration-task/{task_id}"
TASK_ID = "7a1b2c3d-0000-4e5f-8a9b-0123456789ab"
SMS_TASK = "/v3/tasks/{task_id}"
SMS_ACTION = "/v3/tasks/{task_id}/action"

CREATE_BODY = {
    "task_name": "dcs-migration-1",
    "description": "offline migration",
    "migration_type": "backupfile_import",
    "migration_method": "full_amount_migration",
    "backup_files": {"file_source": "self_build_obs", "bucket_name": "my-bucket", "files": [{"file_name": "appendonly.aof"}]},
    "target_instance": {"id": "d7ad9d6f-0000-4a5e-9b3c-0123456789ab", "password": "P@ssw0rd!"},
}

CASES = [
    # ---- SDK-HMAC-SHA256: basics and the five methods ----
    dict(name="sha256-get-empty-body", alg="sha256", method="GET", template=MIG,
         desc="ListMigrationTask-like GET, no query, no body, default Content-Type application/json"),
    dict(name="sha256-post-json-create", alg="sha256", method="POST", template=MIG, json_body=CREATE_BODY,
         desc="CreateMigrationTask POST with a JSON body serialized by the SDK"),
    dict(name="sha256-put-json", alg="sha256", method="PUT", template=SMS_TASK, host=SMS_HOST,
         path_params={"task_id": TASK_ID}, json_body={"name": "task-renamed", "type": "MIGRATE_FILE"},
         desc="SMS UpdateTask PUT /v3/tasks/{task_id}"),
    dict(name="sha256-delete", alg="sha256", method="DELETE", template=MIG_ID, path_params={"task_id": TASK_ID},
         desc="DeleteMigrationTask-like DELETE with no body"),
    dict(name="sha256-patch", alg="sha256", method="PATCH", template=MIG_ID, path_params={"task_id": TASK_ID},
         json_body={"bandwidth_limit_mb": "100"}, desc="PATCH with a small JSON body"),
    dict(name="sha256-lowercase-method", alg="sha256", method="post", template="/v2/{project_id}/migration-task/batch-stop",
         json_body={"migration_tasks": [TASK_ID]}, desc="method given in lower case; the signer upper-cases it"),
    # ---- real DCS / SMS operation paths ----
    dict(name="dcs-show-task", alg="sha256", method="GET", template=MIG_ID, path_params={"task_id": TASK_ID},
         desc="ShowMigrationTask GET /v2/{project_id}/migration-task/{task_id}"),
    dict(name="dcs-list-tasks-query", alg="sha256", method="GET", template="/v2/{project_id}/migration-tasks",
         query=[("offset", 0), ("limit", 10), ("name", "task 1")],
         desc="ListMigrationTask with integer offset/limit and a name with a space"),
    dict(name="dcs-stop-task", alg="sha256", method="POST", template="/v2/{project_id}/migration-task/{task_id}/stop",
         path_params={"task_id": TASK_ID}, desc="StopMigrationTask POST with no body"),
    dict(name="dcs-batch-restart", alg="sha256", method="POST", template="/v2/{project_id}/migration-tasks/batch-restart",
         json_body={"migration_tasks": [{"id": TASK_ID, "is_silent_mode": True}]},
         desc="BatchRestart with a boolean inside the JSON body"),
    dict(name="dcs-task-logs", alg="sha256", method="GET", template="/v2/{project_id}/migration-task/{task_id}/logs",
         path_params={"task_id": TASK_ID}, query=[("offset", 1), ("limit", 50)], desc="ListMigrationTaskLogs"),
    dict(name="dcs-jobs", alg="sha256", method="GET", template="/v2/{project_id}/jobs/{job_id}",
         path_params={"job_id": "ff80808188c7d2f10188d1a6e1b20072"}, desc="ShowJobInfo"),
    dict(name="sms-list-tasks", alg="sha256", method="GET", template="/v3/tasks", host=SMS_HOST, project_id=None,
         query=[("state", "RUNNING"), ("limit", 20), ("offset", 0), ("enterprise_project_id", "all_granted_eps")],
         desc="SMS ListTasks (global-ish service: no project id in path or header)"),
    dict(name="sms-task-action", alg="sha256", method="POST", template=SMS_ACTION, host=SMS_HOST,
         path_params={"task_id": TASK_ID}, json_body={"operation": "start", "param": {"bandwidth": "100"}},
         desc="SMS UpdateTaskStatus POST /v3/tasks/{task_id}/action"),
    dict(name="sms-delete-task", alg="sha256", method="DELETE", template=SMS_TASK, host=SMS_HOST,
         path_params={"task_id": TASK_ID}, desc="SMS DeleteTask"),
    # ---- bodies ----
    dict(name="body-unicode-sdk-json", alg="sha256", method="POST", template=MIG,
         json_body={"task_name": "迁移-é-😀", "description": "café 中文"},
         desc="unicode in a JSON body serialized by the SDK (simplejson ensure_ascii=True -> \\u escapes)"),
    dict(name="body-unicode-raw-utf8", alg="sha256", method="POST", template=MIG,
         body='{"task_name":"迁移-é-😀","description":"café 中文"}',
         desc="unicode JSON body sent as raw UTF-8 (as serde_json would)"),
    dict(name="body-emoji-only", alg="sha256", method="PUT", template=MIG_ID, path_params={"task_id": TASK_ID},
         body="😀🚀", desc="body of two 4-byte UTF-8 characters"),
    dict(name="body-binary-octet-stream", alg="sha256", method="PUT", template=MIG_ID, path_params={"task_id": TASK_ID},
         content_type="application/octet-stream", body=bytes(range(256)),
         desc="non-UTF-8 binary body with application/octet-stream: the SDK adds X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and uses it as the payload hash"),
    dict(name="body-text-plain", alg="sha256", method="POST", template=MIG, content_type="text/plain",
         body="hello world", desc="text/plain body: UNSIGNED-PAYLOAD"),
    dict(name="body-text-plain-empty", alg="sha256", method="GET", template=MIG, content_type="text/plain",
         desc="text/plain, empty body: the header is added and signed, but the payload hash is the empty-body hash"),
    dict(name="content-type-json-charset", alg="sha256", method="POST", template=MIG,
         content_type="application/json;charset=utf-8", json_body={"a": 1},
         desc="application/json;charset=utf-8 starts with application/json: body is hashed"),
    dict(name="no-content-type", alg="sha256", method="GET", template=MIG, content_type=None,
         desc="no Content-Type header at all (ignore_content_type_for_get_request)"),
    dict(name="explicit-content-sha256", alg="sha256", method="POST", template=MIG,
         headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}, json_body={"a": "b"},
         desc="caller sets X-Sdk-Content-Sha256 on a JSON request: the header value is used verbatim"),
    # ---- query ----
    dict(name="query-repeated-keys", alg="sha256", method="GET", template="/v2/{project_id}/migration-tasks",
         query=[("status", ["SUCCESS", "FAILED", "MIGRATING"]), ("limit", 10)],
         collection_formats={"status": "multi"},
         desc="a list query param expanded into repeated keys; sorted by key then value"),
    dict(name="query-special-chars", alg="sha256", method="GET", template=MIG,
         query=[("name", "a~b+c/d%e f"), ("q", "x=y&z?"), ("k~+/% é", "v")],
         desc="special characters in query keys and values: ~ kept, + / % space é = & ? encoded"),
    dict(name="query-unicode", alg="sha256", method="GET", template=MIG,
         query=[("name", "中文"), ("emoji", "😀"), ("accent", "é")], desc="non-ASCII query values"),
    dict(name="query-booleans", alg="sha256", method="GET", template=MIG,
         query=[("is_silent", True), ("dry_run", False), ("as_string", "True")],
         desc="Python booleans become true/false; the string 'True' stays as is"),
    dict(name="query-empty-value", alg="sha256", method="GET", template=MIG,
         query=[("name", ""), ("a", "1")], desc="empty query value gives 'name='"),
    dict(name="query-sort-case", alg="sha256", method="GET", template=MIG,
         query=[("b", "1"), ("B", "2"), ("a", "z"), ("a", "Z"), ("_x", "1")],
         desc="byte-order sort: upper case before lower case; underscore position"),
    # ---- paths ----
    dict(name="path-special-chars", alg="sha256", method="GET", template=MIG_ID,
         path_params={"task_id": "a~b c+d:e@f%g"},
         desc="path param with ~ space + : @ %; the SDK quotes it with safe=''"),
    dict(name="path-unicode", alg="sha256", method="GET", template=MIG_ID, path_params={"task_id": "tâche-é-中"},
         desc="non-ASCII path param"),
    dict(name="path-slash-in-param", alg="sha256", method="GET", template=MIG_ID, path_params={"task_id": "a/b"},
         desc="QUIRK: %2F in the wire path is unquoted and split, so the canonical URI has a real '/'"),
    dict(name="path-trailing-slash", alg="sha256", method="GET", template="/v2/{project_id}/migration-task/",
         desc="path already ending in '/'"),
    dict(name="path-root", alg="sha256", method="GET", template="/", project_id=None, desc="root path '/'"),
    dict(name="path-literal-special", alg="sha256", method="GET", template="/v3/a:b@c/~d e+f", project_id=None,
         host=SMS_HOST, desc="literal : @ ~ space + in the template (not quoted by the client, encoded by the signer)"),
    dict(name="path-double-slash", alg="sha256", method="GET", template="/v3//tasks", project_id=None, host=SMS_HOST,
         desc="empty path segment is kept"),
    # ---- headers ----
    dict(name="headers-mixed-case-padded", alg="sha256", method="GET", template=MIG,
         headers={"X-Custom-HEADER": "  padded value  ", "accept": "application/json", "X-Empty": ""},
         desc="mixed-case names are lower-cased, values trimmed, empty value kept"),
    dict(name="headers-inner-spaces", alg="sha256", method="GET", template=MIG,
         headers={"X-Spaces": "a  b   c", "X-Tab": "\tx\ty\t"},
         desc="inner whitespace is kept as is; only the ends are stripped"),
    dict(name="headers-underscore-unsigned", alg="sha256", method="GET", template=MIG,
         headers={"X_Custom_Header": "not signed", "x-custom-header": "signed"},
         desc="header names containing '_' are not signed"),
    dict(name="headers-unicode-value", alg="sha256", method="GET", template=MIG,
         headers={"X-Label": "café 中文"}, desc="non-ASCII header value (the canonical request uses the UTF-8 text)"),
    dict(name="headers-padded-name", alg="sha256", method="GET", template=MIG,
         headers={" X-Padded ": "v"},
         desc="QUIRK: the signer does not trim header names (the HTTP layer would reject this name)"),
    dict(name="security-token", alg="sha256", method="POST", template=MIG, json_body={"a": 1},
         security_token=TOKEN, desc="temporary credentials: X-Security-Token is added before signing"),
    dict(name="no-project-id", alg="sha256", method="GET", template="/v3/tasks", host=SMS_HOST, project_id=None,
         desc="no X-Project-Id header"),
    dict(name="host-with-port", alg="sha256", method="GET", template=MIG, host="127.0.0.1:8443",
         desc="Host with a port (emulator endpoint)"),
    dict(name="different-keys", alg="sha256", method="GET", template=MIG, ak="AK2EXAMPLE", sk="sk+/=with special~chars",
         desc="different AK/SK with special characters in the SK"),
    # ---- dates ----
    dict(name="date-leap-day", alg="sha256", method="GET", template=MIG, date="20240229T235959Z", desc="leap day"),
    dict(name="date-year-end", alg="sha256", method="GET", template=MIG, date="19991231T235959Z", desc="pre-2000 date"),
    dict(name="date-lowercase-header", alg="sha256", method="GET", template=MIG,
         raw_headers={"x-sdk-date": DATE, "host": DCS_HOST, "Content-Type": "application/json"}, desc="lower-case x-sdk-date and host names: found case-insensitively, not duplicated"),
    # ---- SDK-HMAC-SM3 ----
    dict(name="sm3-get-empty-body", alg="sm3", method="GET", template=MIG, desc="SM3, no body"),
    dict(name="sm3-post-json", alg="sm3", method="POST", template=MIG, json_body=CREATE_BODY, desc="SM3 JSON body"),
    dict(name="sm3-query-special", alg="sm3", method="GET", template="/v2/{project_id}/migration-tasks",
         query=[("name", "a b~c"), ("status", ["SUCCESS", "FAILED"]), ("flag", True)],
         collection_formats={"status": "multi"}, desc="SM3 with repeated keys, a bool and special chars"),
    dict(name="sm3-sms-action", alg="sm3", method="POST", template=SMS_ACTION, host=SMS_HOST,
         path_params={"task_id": TASK_ID}, json_body={"operation": "stop"}, security_token=TOKEN,
         desc="SM3 SMS action with a security token"),
    dict(name="sm3-octet-stream", alg="sm3", method="PUT", template=MIG_ID, path_params={"task_id": TASK_ID},
         content_type="application/octet-stream", body=b"\x00\x01binary\xff",
         desc="SM3 with octet-stream: the SDK adds X-Sdk-Content-Sm3: UNSIGNED-PAYLOAD"),
    dict(name="sm3-unicode-body", alg="sm3", method="PUT", template=MIG_ID, path_params={"task_id": "é 中"},
         body="{\"d\":\"é中文😀\"}", desc="SM3 with unicode path param and raw UTF-8 body"),
    dict(name="sm3-delete", alg="sm3", method="DELETE", template=SMS_TASK, host=SMS_HOST,
         path_params={"task_id": TASK_ID}, desc="SM3 DELETE"),
    # ---- V11-HMAC-SHA256 (derived key) ----
    dict(name="v11-get-empty-body", alg="v11", method="GET", template=MIG, region="cn-north-4", service="dcs",
         desc="derived key, no body"),
    dict(name="v11-post-json", alg="v11", method="POST", template=MIG, region="cn-north-4", service="dcs",
         json_body=CREATE_BODY, desc="derived key, JSON body"),
    dict(name="v11-sms-action", alg="v11", method="POST", template=SMS_ACTION, host=SMS_HOST, region="ap-southeast-1",
         service="sms", path_params={"task_id": TASK_ID}, json_body={"operation": "restart"},
         desc="derived key for SMS in another region"),
    dict(name="v11-query-token", alg="v11", method="GET", template="/v2/{project_id}/migration-tasks",
         region="eu-west-0", service="dcs", query=[("name", "x y"), ("limit", 10), ("status", ["A", "B"])],
         collection_formats={"status": "multi"}, security_token=TOKEN,
         desc="derived key with query, repeated keys and security token"),
    dict(name="v11-octet-stream", alg="v11", method="PUT", template=MIG_ID, path_params={"task_id": TASK_ID},
         region="cn-north-4", service="dcs", content_type="application/octet-stream", body=b"\xde\xad\xbe\xef",
         desc="derived key with UNSIGNED-PAYLOAD"),
    dict(name="v11-date-year-boundary", alg="v11", method="DELETE", template=MIG_ID, path_params={"task_id": TASK_ID},
         region="cn-north-4", service="dcs", date="20231231T235959Z", desc="date part of the scope at a year end"),
    dict(name="v11-special-path", alg="v11", method="GET", template=MIG_ID, path_params={"task_id": "é~ +:@%"},
         region="cn-south-1", service="dcs", desc="derived key with special path characters"),
]


def main():
    if SDK_VERSION != REQUIRED_VERSION:
        sys.exit("need huaweicloudsdkcore==%s, found %s" % (REQUIRED_VERSION, SDK_VERSION))
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    names = set()
    for i, case in enumerate(CASES, start=1):
        assert case["name"] not in names, case["name"]
        names.add(case["name"])
        print(make_vector(i, case))
    print("%d vectors written to %s" % (len(CASES), os.path.relpath(OUT_DIR, ROOT)))


if __name__ == "__main__":
    main()
