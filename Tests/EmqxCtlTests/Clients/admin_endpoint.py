"""Reads serve's admin endpoint the way operators' tools do: Python's urllib for the JSON API,
and prometheus_client's text-format parser for /metrics (a malformed exposition fails to
parse). Prints one JSON object for the Swift test to assert on.

usage: admin_endpoint.py BASE_URL TOKEN
"""
import json
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

base, token = sys.argv[1], sys.argv[2]


def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def post(path, bearer=None):
    request = urllib.request.Request(base + path, method="POST")
    if bearer is not None:
        request.add_header("Authorization", "Bearer " + bearer)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


out = {}
status, content_type, body = get("/metrics")
out["metrics_status"] = status
out["metrics_content_type"] = content_type
samples = {}
for family in text_string_to_metric_families(body.decode()):
    for sample in family.samples:
        samples.setdefault(sample.name, []).append({"labels": sample.labels, "value": sample.value})
out["samples"] = samples

status, content_type, body = get("/api/v5/status")
out["status_status"] = status
out["status"] = json.loads(body)

out["reload_without_token"] = post("/api/v5/reload")[0]
out["reload_wrong_token"] = post("/api/v5/reload", "0" * len(token))[0]
code, answer = post("/api/v5/reload", token)
out["reload_status"] = code
out["reload"] = answer
try:
    get("/nowhere")
except urllib.error.HTTPError as error:
    out["missing_status"] = error.code
print(json.dumps(out))
