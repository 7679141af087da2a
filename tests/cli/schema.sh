#!/usr/bin/env bash
# schema.sh — docs/template.schema.json stays in sync with the loader:
#  1. at every mapping level, the keys the loader allows (its "allowed keys"
#     hint for an unknown key) are exactly the schema's properties;
#  2. the enums (actions, risks, tolerances, frameworks) match the loader's
#     "expected one of" / "known frameworks" hints;
#  3. every shipped template validates against the schema (python3-jsonschema).
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
SCHEMA="$ROOT/docs/template.schema.json"
PY=/usr/bin/python3 # Debian's python3-jsonschema and python3-yaml (make deps)

# schema_keys JSON-POINTER-ISH: property names of one object in the schema.
schema_keys() {
    "$PY" - "$SCHEMA" "$1" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
node = s
for part in sys.argv[2].split('/'):
    if part:
        node = node[part]
    if '$ref' in node:
        ref = node['$ref'].lstrip('#/').split('/')
        node = s
        for r in ref:
            node = node[r]
print(', '.join(sorted(node.get('properties', {}) or node.get('enum', []))))
PYEOF
}

# loader_hint YAML: the list after "hint: ...: " for the error it provokes.
loader_hint() {
    printf '%s' "$1" > t.yaml
    set +e
    "$CC" lint t.yaml > /dev/null 2> err.txt
    set -e
    sed -n 's/^  hint: [^:]*: //p' err.txt | tr -d ' ' | tr ',' '\n' | sort | paste -sd, | sed 's/,/, /g'
}

head='template:
  name: x
  version: 1.0.0
'
check_level() { # NAME SCHEMA-PATH YAML
    local want got
    want=$(schema_keys "$2")
    got=$(loader_hint "$3")
    if [ -n "$got" ] && [ "$want" = "$got" ]; then
        ok "$1: schema and loader agree ($got)"
    else
        bad "$1: schema has [$want], loader allows [$got]: $(cat err.txt)"
    fi
}
check_level "top level" "" 'zzzz: 1
'
check_level "template" "properties/template" "${head}  zzzz: 1
"
check_level "safety" "properties/template/properties/safety" "${head}  safety:
    zzzz: 1
"
check_level "rule" "\$defs/rule" "${head}  safety:
    rules:
      - id: a
        match: ls
        risk: low
        zzzz: 1
"
check_level "rule tests" "\$defs/rule/properties/tests" "${head}  safety:
    rules:
      - id: a
        match: ls
        risk: low
        tests:
          zzzz: [ls]
"
check_level "tools" "properties/template/properties/tools" "${head}  tools:
    zzzz: 1
"
check_level "tests" "properties/template/properties/tests" "${head}  tests:
    zzzz: [ls]
"
check_level "actions" "\$defs/action" "${head}  safety:
    default: zzzz
"
check_level "risks" "\$defs/risk" "${head}  safety:
    rules:
      - id: a
        match: ls
        risk: zzzz
"
check_level "risk tolerances" "properties/template/properties/risk_tolerance" "${head}  risk_tolerance: zzzz
"
check_level "frameworks" "\$defs/framework" "${head}  compliance_frameworks: [ZZZZ]
"

# Every shipped template is valid under the schema.
if "$PY" -c 'import jsonschema, yaml' 2> /dev/null; then
    for t in "$ROOT"/stdlib-templates/*.yaml; do
        if out=$("$PY" - "$SCHEMA" "$t" 2>&1 <<'PYEOF'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
PYEOF
        ); then ok "$(basename "$t") validates against the schema"; else bad "$(basename "$t"): $out"; fi
    done
else
    bad "python3-jsonschema/python3-yaml missing for $PY (make deps installs them)"
fi

finish
