"""Automatic project-id discovery of the official SDK core against the emulator: credentials
without a project id and a client built for a region make huaweicloudsdkcore 3.1.219 ask IAM
(`BasicCredentials.process_auth_params`: a signed `GET /v3/projects?name=<region>` to the
endpoint in HUAWEICLOUD_SDK_IAM_ENDPOINT) before the first call."""
import json
import os
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.region.region import Region
import huaweicloudsdkdcs.v2 as dcs
import huaweicloudsdksms.v3 as sms

REGION = "eu-west-0"


def iam_lookups(endpoint):
    """The project lookups the emulator's request log holds."""
    with urllib.request.urlopen(f"{endpoint}/_emulator/requests", timeout=5) as r:
        log = json.load(r)
    return [e for e in log["requests"] if e["path"] == "/v3/projects"]


def checks(endpoint, ak, sk, project, config, check):
    os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = endpoint

    def discovers(client_class, call):
        def run():
            before = len(iam_lookups(endpoint))
            # The core caches discovered ids per AK and region in the process: start afresh.
            BasicCredentials._CACHE.clear()
            creds = BasicCredentials(ak, sk)
            client = (client_class.new_builder()
                      .with_http_config(config)
                      .with_credentials(creds)
                      .with_region(Region(REGION, endpoint))
                      .build())
            assert creds.project_id == project, f"discovered {creds.project_id!r}"
            lookups = iam_lookups(endpoint)[before:]
            assert len(lookups) == 1, f"{len(lookups)} IAM project lookups"
            assert lookups[0]["query"] == f"name={REGION}", lookups[0]["query"]
            r = call(client)
            assert r.status_code == 200, r.status_code
            return f"project id from IAM (GET /v3/projects?name={REGION}), then {r.status_code}"
        return run

    check("DCS project id discovered through IAM (no project id given)",
          discovers(dcs.DcsClient, lambda c: c.list_migration_task(dcs.ListMigrationTaskRequest())))
    check("SMS project id discovered through IAM (no project id given)",
          discovers(sms.SmsClient, lambda c: c.list_tasks(sms.ListTasksRequest())))
