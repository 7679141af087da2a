# lib.bash — helpers shared by the tests/cli/*.sh golden tests (sourced, not
# run: the Makefile runs only *.sh).  Each script keeps its own temp dir.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
LIB=${LIB:-$ROOT/build/lib}
CC="$BIN/cmdai-policyc"
RT="$BIN/cmdai-policy"
CORE="$ROOT/stdlib-templates/core-safety.yaml"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skip() { echo "skip $1"; }

# expect_status WANT NAME CMD... : run CMD (output into $TMP/out, $TMP/err)
# and compare its exit status.
expect_status() {
    local want=$1 name=$2
    shift 2
    set +e
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    set -e
    if [ "$rc" = "$want" ]; then
        ok "$name -> $rc"
    else
        bad "$name: exit $rc, want $want; stdout: $(head -c 200 "$TMP/out"); stderr: $(head -c 400 "$TMP/err")"
    fi
}

# The closing line the CI reads, and the script's status.
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# start_nginx ROOTDIR: a real nginx (Debian's) serving ROOTDIR on a free loopback
# port, everything it writes under $TMP/ngx; sets NGINX_PID (the caller's trap stops
# it) and URL.  Used by the registry and fleet tests.
start_nginx() { # ROOTDIR
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/ngx"
    chmod 755 "$TMP"
    { [ "$(id -u)" = 0 ] && echo "user root;"
      cat <<NGX
daemon off;
worker_processes 1;
pid $TMP/ngx/nginx.pid;
error_log $TMP/ngx/error.log;
events { worker_connections 64; }
http {
    access_log $TMP/ngx/access.log;
    client_body_temp_path $TMP/ngx/body;
    proxy_temp_path $TMP/ngx/proxy;
    fastcgi_temp_path $TMP/ngx/fastcgi;
    uwsgi_temp_path $TMP/ngx/uwsgi;
    scgi_temp_path $TMP/ngx/scgi;
    types { application/json json; text/yaml yaml; }
    default_type application/octet-stream;
    etag on;
    server { listen 127.0.0.1:$port; root $1; }
}
NGX
    } > "$TMP/ngx/nginx.conf"
    /usr/sbin/nginx -p "$TMP/ngx" -c "$TMP/ngx/nginx.conf" -e "$TMP/ngx/error.log" &
    NGINX_PID=$!
    for _ in $(seq 50); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$port" 2> /dev/null; then break; fi
        sleep 0.1
    done
    URL="http://127.0.0.1:$port"
}
