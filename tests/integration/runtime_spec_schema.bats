#!/usr/bin/env bats
# `hull spec` against the OCI runtime-spec's own JSON schema (Debian's
# golang-github-opencontainers-specs-dev ships it), checked with Debian's
# python3-jsonschema: what runc's suite's "spec validator" test checks with
# runtime-spec's validate.go, which needs the internet.

load runtime_helpers

SCHEMA_DIR=/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema

setup() {
	[ -f "$SCHEMA_DIR/config-schema.json" ] ||
		{ echo "no runtime-spec schema: run scripts/install-deps (golang-github-opencontainers-specs-dev)" >&2; return 1; }
	TMP=$(mktemp -d /tmp/hull-spec-schema.XXXXXX)
}
teardown() { rm -rf "$TMP"; }

# validate FILE: print each schema violation as "path: message"; fail if any
validate() {
	/usr/bin/python3 - "$SCHEMA_DIR" "$1" <<'PY'
import json, pathlib, sys
import jsonschema
d = pathlib.Path(sys.argv[1])
schema = json.loads((d / "config-schema.json").read_text())
v = jsonschema.Draft4Validator(schema, resolver=jsonschema.RefResolver(base_uri=d.as_uri() + "/", referrer=schema))
errors = list(v.iter_errors(json.load(open(sys.argv[2]))))
for e in errors:
    print("/".join(str(p) for p in e.path) + ": " + e.message)
sys.exit(1 if errors else 0)
PY
}

@test "hull spec writes a config.json the runtime-spec schema accepts" {
	cd "$TMP"
	"$HULL" spec
	run validate config.json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "hull spec --rootless writes a config.json the runtime-spec schema accepts" {
	cd "$TMP"
	"$HULL" spec --rootless
	run validate config.json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the schema check catches a broken config.json" {
	cd "$TMP"
	"$HULL" spec
	jq '.process.args = "sh" | .linux.namespaces[0].type = "bogus"' config.json >bad.json
	run validate bad.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"process/args: 'sh' is not of type 'array'"* ]]
	[[ "$output" == *"linux/namespaces/0: {'type': 'bogus'} is not valid"* ]]
}
