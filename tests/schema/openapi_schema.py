"""OpenAPI components as JSON Schema, for python3-jsonschema (the schema tests)."""
import json

import yaml


def load_components(path):
    with open(path) as f:
        doc = yaml.safe_load(f) if path.endswith(".yaml") else json.load(f)
    return doc["components"]["schemas"]


def resolve(schema, components, depth=0):
    """Inlines $refs (cut at a depth: recursive types accept anything beyond it) and lets
    object and array types be null, and times (metav1.Time: a zero time marshals as null, as
    in a condition's lastProbeTime)."""
    if isinstance(schema, list):
        return [resolve(s, components, depth) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        if depth > 12:
            return {}
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name.endswith(".v1.Time"):
            return {"type": ["string", "null"]}
        return resolve(components[name], components, depth + 1)
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: resolve(v, components, depth) for k, v in value.items()}
        elif isinstance(value, (dict, list)):
            out[key] = resolve(value, components, depth)
        else:
            out[key] = value
    if out.get("type") in ("object", "array"):
        out["type"] = [out["type"], "null"]
    return out
