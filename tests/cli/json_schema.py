"""Validate JSON documents / JSON Lines against one $defs entry of the schema.
Usage: json_schema.py SCHEMA DEF FILE [DEF FILE ...]
A FILE holds one document or JSON Lines; every line/document must be valid."""
import json
import sys

import jsonschema


def documents(path):
    text = open(path).read()
    try:
        yield 1, json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield n, json.loads(line)


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = 0
    args = sys.argv[2:]
    for name, path in zip(args[::2], args[1::2]):
        if name not in schema["$defs"]:
            print("no $defs/%s in the schema" % name)
            return 1
        sub = dict(schema, **{"$ref": "#/$defs/" + name})
        sub.pop("oneOf", None)
        v = jsonschema.Draft202012Validator(sub)
        count = 0
        for line, doc in documents(path):
            count += 1
            for e in v.iter_errors(doc):
                bad += 1
                if bad <= 10:
                    where = "/".join(str(p) for p in e.absolute_path)
                    print("%s:%d: %s at /%s: %s" % (path, line, name, where, e.message[:300]))
            # the document also matches the top-level schema (exactly one kind)
            for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
                bad += 1
                if bad <= 10:
                    print("%s:%d: not exactly one record kind: %s" % (path, line, e.message[:200]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
