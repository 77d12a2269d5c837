#!/usr/bin/python3
"""Validate a JSON document against a schema of test/fixtures/schemas (local $refs only).

    test/schema-check.py SCHEMA.json DOCUMENT.json

Prints "valid" or each violation with its path; exits 0 only when valid.
"""
import json
import pathlib
import sys

import jsonschema

schema_path = pathlib.Path(sys.argv[1])
schema = json.loads(schema_path.read_text())
store = {}
for other in schema_path.parent.glob("*.json"):
    doc = json.loads(other.read_text())
    store[other.name] = doc
    for key in ("$id", "id"):
        if isinstance(doc.get(key), str):
            store[doc[key]] = doc
base = schema.get("$id") or schema.get("id") or schema_path.name
resolver = jsonschema.RefResolver(base_uri=base, referrer=schema, store=store)
validator = jsonschema.validators.validator_for(schema)(schema, resolver=resolver)
with open(sys.argv[2]) as f:
    document = json.load(f)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for e in errors[:20]:
    print("/".join(str(p) for p in e.path) + ": " + e.message[:300])
if not errors:
    print("valid")
sys.exit(1 if errors else 0)
