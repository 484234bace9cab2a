#!/usr/bin/env bats
# Registries that want credentials: HTTPS + htpasswd with a self-signed
# certificate, and the Bearer token flow with a token service of our own.

load image/helpers

setup_file() {
	image_setup_file
	make_cert tls
	htpasswd -Bbn hull secret >"$IMG_TMP/htpasswd"
	claim_block
	start_registry "$P0" "  tls:
    certificate: $IMG_TMP/tls.crt
    key: $IMG_TMP/tls.key
auth:
  htpasswd:
    realm: hull-test
    path: $IMG_TMP/htpasswd"
	release_block
	make_cert token
	start_python token-server.py $P3 "$IMG_TMP/token.key" "$IMG_TMP/token.crt"
	wait_port $P3
	start_registry $P2 "auth:
  token:
    realm: http://127.0.0.1:$P3/token
    service: hull-test
    issuer: hull-test-issuer
    rootcertbundle: $IMG_TMP/token.crt"
	make_rootfs "$IMG_TMP/root"
	mkoci "$IMG_TMP/oci" "$IMG_TMP/root"
	push_layout "$IMG_TMP/oci" 127.0.0.1:$P0/private/app:1 --dest-creds hull:secret
	push_layout "$IMG_TMP/oci" 127.0.0.1:$P2/private/app:1 --dest-creds hull:secret
	push_layout "$IMG_TMP/oci" 127.0.0.1:$P2/public/app:1 --dest-creds hull:secret
}

teardown_file() {
	image_teardown_file
}

@test "HTTPS with an unknown CA fails and says how to trust it" {
	run "$HULL" pull --creds hull:secret 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"certs.d/<host:port>/ca.crt"* && "$output" == *"--tls-verify=false"* ]]
}

@test "--tls-verify=false skips verification" {
	run "$HULL" pull --tls-verify=false --creds hull:secret 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 0 ]
}

@test "certs.d/HOST:PORT/ca.crt makes the certificate trusted" {
	export HULL_DATA_ROOT="$IMG_TMP/ca"
	mkdir -p "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0"
	cp "$IMG_TMP/tls.crt" "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0/ca.crt"
	run "$HULL" pull --creds hull:secret 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 0 ]
}

@test "Basic auth: anonymous is refused, a wrong password fails login, login stores 0600 credentials" {
	export HULL_DATA_ROOT="$IMG_TMP/basic"
	mkdir -p "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0"
	cp "$IMG_TMP/tls.crt" "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0/ca.crt"
	run "$HULL" pull 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"requires authentication: run \`hull login 127.0.0.1:$P0\`"* ]]
	run "$HULL" login -u hull -p wrong 127.0.0.1:$P0
	[ "$status" -eq 1 ]
	[[ "$output" == *"unauthorized"* ]]
	[ ! -e "$HULL_DATA_ROOT/auth.json" ]
	run sh -c "echo secret | '$HULL' login -u hull --password-stdin 127.0.0.1:$P0"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded" ]
	[ "$(stat -c %a "$HULL_DATA_ROOT/auth.json")" = 600 ]
	[ "$(jq -r ".auths[\"127.0.0.1:$P0\"].auth" "$HULL_DATA_ROOT/auth.json" | base64 -d)" = hull:secret ]
	run "$HULL" pull 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 0 ]
	run "$HULL" logout 127.0.0.1:$P0
	[ "$status" -eq 0 ]
	run "$HULL" pull 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 1 ]
}

@test "docker's config.json auths are used" {
	export HULL_DATA_ROOT="$IMG_TMP/dockercfg" DOCKER_CONFIG="$IMG_TMP/dockercfg/docker"
	mkdir -p "$DOCKER_CONFIG" "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0"
	cp "$IMG_TMP/tls.crt" "$HULL_DATA_ROOT/certs.d/127.0.0.1:$P0/ca.crt"
	printf '{"auths":{"https://127.0.0.1:%s":{"auth":"%s"}}}' "$P0" "$(printf hull:secret | base64)" >"$DOCKER_CONFIG/config.json"
	run "$HULL" pull 127.0.0.1:$P0/private/app:1
	[ "$status" -eq 0 ]
}

@test "token flow: anonymous pull of a public repository" {
	export HULL_DATA_ROOT="$IMG_TMP/token-anon"
	run "$HULL" pull 127.0.0.1:$P2/public/app:1
	[ "$status" -eq 0 ]
	[ "$(cat "$("$HULL" image inspect 127.0.0.1:$P2/public/app:1 | jq -r '.[0].LayerDirs[0]')/etc/greeting")" = "hello from root" ]
}

@test "token flow: a private repository needs credentials, and gets them" {
	export HULL_DATA_ROOT="$IMG_TMP/token-priv"
	run "$HULL" pull 127.0.0.1:$P2/private/app:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"access to 127.0.0.1:$P2/private/app denied"* && "$output" == *"hull login"* ]]
	run "$HULL" login -u hull -p wrong 127.0.0.1:$P2
	[ "$status" -eq 1 ]
	[[ "$output" == *"refused these credentials"* ]]
	run "$HULL" login -u hull -p secret 127.0.0.1:$P2
	[ "$status" -eq 0 ]
	run "$HULL" pull 127.0.0.1:$P2/private/app:1
	[ "$status" -eq 0 ]
}

@test "token flow: push asks for push scope" {
	export HULL_DATA_ROOT="$IMG_TMP/token-push"
	"$HULL" image build-default >/dev/null
	run "$HULL" push busybox 127.0.0.1:$P2/public/busybox:1
	[ "$status" -eq 1 ]
	run "$HULL" push --creds hull:secret busybox 127.0.0.1:$P2/private/busybox:1
	[ "$status" -eq 0 ]
	run skopeo inspect --creds hull:secret --tls-verify=false docker://127.0.0.1:$P2/private/busybox:1
	[ "$status" -eq 0 ]
}
