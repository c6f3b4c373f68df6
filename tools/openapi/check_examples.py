#!/usr/bin/env python3
"""Validates every example embedded in the OpenAPI exports against its own schema.

Usage: check_examples.py spec/openapi/dcs.json [spec/openapi/sms.json ...]

For each operation, each example under a request body or a response media type is validated
with a JSON Schema 2020-12 validator (OpenAPI 3.1 schemas are JSON Schema 2020-12) against the
schema of the same media type, `$ref`s resolved inside the document. Every violation is printed
with the file, the operation, the example and the JSON path; the exit status is 1 when there is
any. Needs the `jsonschema` package (CI installs it beside openapi-spec-validator).
"""

import json
import sys

from jsonschema import Draft202012Validator


def media_types(operation):
    """(where, media type object) for the request body and every response."""
    body = operation.get("requestBody", {})
    for mt, obj in body.get("content", {}).items():
        yield f"request {mt}", obj
    for status, response in operation.get("responses", {}).items():
        for mt, obj in response.get("content", {}).items():
            yield f"response {status} {mt}", obj


def check_document(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    components = doc.get("components", {})
    problems = []
    count = 0
    for url, item in sorted(doc.get("paths", {}).items()):
        for method, operation in sorted(item.items()):
            op = operation.get("operationId", f"{method.upper()} {url}")
            for where, media in media_types(operation):
                examples = media.get("examples", {})
                if not examples:
                    continue
                # The media type's schema, with the document's components beside it so that
                # "#/components/schemas/X" resolves.
                schema = dict(media.get("schema", {}))
                schema["components"] = components
                validator = Draft202012Validator(
                    schema, format_checker=Draft202012Validator.FORMAT_CHECKER
                )
                for name, example in sorted(examples.items()):
                    count += 1
                    if "value" not in example:
                        problems.append(f"{path}: {op} {where} example {name!r} has no value")
                        continue
                    for error in sorted(
                        validator.iter_errors(example["value"]), key=lambda e: list(e.path)
                    ):
                        problems.append(
                            f"{path}: {op} {where} example {name!r} at "
                            f"{error.json_path}: {error.message}"
                        )
    return count, problems


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    total = 0
    failures = []
    for path in paths:
        count, problems = check_document(path)
        total += count
        failures.extend(problems)
        print(f"{path}: {count} embedded examples checked, {len(problems)} violations")
    for p in failures:
        print(p)
    if total == 0:
        print("no embedded example found: nothing was checked", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
