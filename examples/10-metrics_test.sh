#!/bin/bash
# 10-metrics serves its node's metrics over HTTP on a free port; a real HTTP
# client (curl) fetches them. Checked: GET /metrics is 200 with the text
# format's content type, every line of the page is a HELP, a TYPE or a
# sample, and the values are those of the example's 1,000 round trips;
# anything else is 404; a request head over 8 KiB and a silent peer are
# closed without an answer; SIGTERM stops the server with status 0.
# Usage: 10-metrics_test.sh SERVER
set -u
server="$1"
source "$(dirname "$0")/tcp_test_lib.sh"
tcp_test_setup 10-metrics srv.out srv.err headers metrics
command -v curl >/dev/null || fail "curl is not installed (scripts/install-deps.sh installs it)"

# Started as tcp_test_lib's start_server does, but the line names a URL.
mkfifo "$dir/srv.fifo" || fail "mkfifo"
: >"$dir/srv.out"
"$server" 127.0.0.1:0 >"$dir/srv.fifo" 2>"$dir/srv.err" &
server_pid[metrics]=$!
servers+=(metrics)
server_out[metrics]="$dir/srv.out"
exec {fd}<"$dir/srv.fifo"
server_fd[metrics]=$fd
url="$(copy_lines "$fd" "$dir/srv.out" "Serving metrics on ")" || fail "the server printed no 'Serving metrics on' line"
case "$url" in
  http://127.0.0.1:*/metrics) ;;
  *) fail "it serves on '$url', not http://127.0.0.1:PORT/metrics" ;;
esac
base="${url%/metrics}"
port="${base##*:}"
echo "serving on $url"

# status ARGS...: curl's HTTP status for the request ("000": no answer).
status() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@" 2>/dev/null; }

# 1. The page.
code="$(curl -sS --max-time 10 -D "$dir/headers" -o "$dir/metrics" -w '%{http_code}' "$url")" || fail "curl $url failed"
[ "$code" = 200 ] || fail "GET /metrics: status $code"
grep -qi '^content-type: text/plain; version=0.0.4' "$dir/headers" || fail "not the text format 0.0.4's content type"
name='[a-zA-Z_:][a-zA-Z0-9_:]*'
outside="$(grep -Ev "^# HELP $name .*\$|^# TYPE $name (counter|gauge)\$|^$name(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? [^ ]+\$" "$dir/metrics")"
[ -z "$outside" ] || fail "lines outside the text format: $outside"
# 4 sends and 4 handled messages a round trip: app -> relay -> echoer -> relay -> app.
expect metrics "# TYPE ockam_messages_sent_total counter"
expect metrics "ockam_messages_sent_total 4000"
expect metrics "ockam_messages_handled_total 4000"
expect metrics "ockam_messages_queued 0"
expect metrics "ockam_workers_running 3"
expect metrics 'ockam_worker_messages_handled_total{address="relay"} 2000'
expect metrics 'ockam_worker_messages_handled_total{address="echoer"} 1000'
expect metrics 'ockam_worker_messages_handled_total{address="app"} 1000'
expect metrics "# TYPE ockam_tcp_messages_sent_total counter"
expect metrics "example_round_trips_total 1000"
expect metrics "example_http_requests_total 1"

# 2. Anything but GET /metrics.
for request in "$base/" "$base/metrics/x" "$base/metricsx" "-X POST $url" "-X DELETE $url"; do
  # shellcheck disable=SC2086  # $request is curl's arguments
  code="$(status $request)"
  [ "$code" = 404 ] || fail "curl $request: status $code, not 404"
done

# 3. A request head over 8 KiB: the connection is closed, nothing answered.
code="$(status -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$url")"
[ "$code" = 000 ] || fail "a 20 KB request head got status $code"

# 4. A peer that connects and says nothing is closed after 5 s.
exec {silent}<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to port $port"
IFS= read -r -t 15 -u "$silent" line
rc=$?
exec {silent}<&-
[ "$rc" -gt 128 ] && fail "a silent peer is still connected after 15 s"
[ -z "${line-}" ] || fail "a silent peer got an answer: $line"

# 5. Still serving, and its own source counted what it read whole: this
# request, the first and the five 404s.
code="$(curl -sS --max-time 10 -o "$dir/metrics" -w '%{http_code}' "$url")" || fail "curl $url failed"
[ "$code" = 200 ] || fail "GET /metrics, again: status $code"
expect metrics "example_http_requests_total 7"
expect metrics "example_http_not_found_total 5"

stop_server metrics
pass
