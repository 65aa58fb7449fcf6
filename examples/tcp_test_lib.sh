# Shared by the TCP example tests (04-tcp_test.sh, 05-tcp_test.sh), which
# source it: starting servers, reading their "Listening on" lines, stopping
# them with SIGTERM, the cleanup trap and the fail/dump-every-output path.
# The scripts keep only their scenario. Bash; the sourcing script sets -u.
#
# No sleeps: each server's stdout is a FIFO that the test reads line by line
# (read -t bounds each wait), so it sees "Listening on ..." the moment it is
# printed, and end-of-file the moment the server exits.
#
# Globals for the scripts: $dir (the test's temporary directory, holding
# every output file), $listen_port (set by start_server), fail, expect.

# tcp_test_setup NAME OUTPUT...: makes $dir and installs the traps. The
# OUTPUT files (in $dir) are the ones printed on failure and on success.
tcp_test_setup() {
  dir="$(mktemp -d "${TEST_TMPDIR:-/tmp}/$1.XXXXXX")"
  shift
  outputs=("$@")
  servers=()             # started servers' names, in start order
  declare -gA server_pid # name -> pid; "" once it has been waited for
  declare -gA server_fd  # name -> fd reading its stdout FIFO
  declare -gA server_out # name -> file prefix in $dir (PREFIX.out, .err)
  failed=0
  trap cleanup EXIT
  trap 'fail "interrupted (test timeout?)"' TERM INT
}

show() {
  local f
  for f in "${outputs[@]}"; do
    echo "---- $f"
    [ -f "$dir/$f" ] && cat "$dir/$f"
  done
  echo "----"
}
fail() {
  echo "FAIL: $*" >&2
  show >&2
  exit 1
}
# Kills the servers still running, last started first.
cleanup() {
  local i pid
  for ((i = ${#servers[@]} - 1; i >= 0; i--)); do
    pid="${server_pid[${servers[i]}]}"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
}

# copy_lines FD OUT [PREFIX]: copies lines from FD to OUT until EOF (the
# server exited, closing its stdout) or, given PREFIX, until a line
# "PREFIX...", then prints the rest of that line. Returns 0 when done, 1 on
# EOF before a PREFIX line, 2 after 30 s without a line.
copy_lines() {
  local fd="$1" out="$2" prefix="${3-}" line rc
  while :; do
    IFS= read -r -t 30 -u "$fd" line
    rc=$?
    [ "$rc" -eq 0 ] || [ -n "$line" ] && printf '%s\n' "$line" >>"$out"
    [ "$rc" -gt 128 ] && return 2
    if [ -z "$prefix" ]; then
      [ "$rc" -eq 0 ] || return 0
    else
      [ "$rc" -eq 0 ] || return 1
      case "$line" in
        "$prefix"*) printf '%s\n' "${line#"$prefix"}"; return 0 ;;
      esac
    fi
  done
}

# port_of ADDRESS: "1#127.0.0.1:4000" -> 4000, or fails.
port_of() {
  case "$1" in
    "1#127.0.0.1:"*) ;;
    *) return 1 ;;
  esac
  local port="${1##*:}"
  case "$port" in
    "" | *[!0-9]* | 0) return 1 ;;
  esac
  printf '%s\n' "$port"
}

# start_server NAME PREFIX COMMAND [ARG...]: starts COMMAND in the
# background, its stdout on the FIFO $dir/PREFIX.fifo (copied to PREFIX.out)
# and its stderr in PREFIX.err, and waits for its "Listening on ADDRESS"
# line. Sets $listen_port to ADDRESS's port; fails the test if the server
# does not print such a line.
start_server() {
  local name="$1" prefix="$2" fd address rc
  shift 2
  mkfifo "$dir/$prefix.fifo" || fail "mkfifo"
  : >"$dir/$prefix.out"
  "$@" >"$dir/$prefix.fifo" 2>"$dir/$prefix.err" &
  server_pid[$name]=$!
  servers+=("$name")
  server_out[$name]="$dir/$prefix.out"
  exec {fd}<"$dir/$prefix.fifo"
  server_fd[$name]=$fd
  address="$(copy_lines "$fd" "${server_out[$name]}" "Listening on ")"
  rc=$?
  [ "$rc" -eq 1 ] && echo "exited without printing 'Listening on'" >&2
  [ "$rc" -eq 2 ] && echo "no 'Listening on' line within 30 s" >&2
  [ "$rc" -eq 0 ] || fail "$name did not start listening"
  listen_port="$(port_of "$address")" || fail "$name listens on '$address', not 1#127.0.0.1:PORT"
  echo "$name listening on $address"
}

# stop_server NAME: SIGTERM to a server from start_server; it must exit
# (within 30 s) with status 0.
stop_server() {
  local name="$1" status
  kill -TERM "${server_pid[$name]}" || fail "$name is gone before SIGTERM"
  copy_lines "${server_fd[$name]}" "${server_out[$name]}" || fail "$name still running 30 s after SIGTERM"
  wait "${server_pid[$name]}"
  status=$?
  server_pid[$name]=""
  [ "$status" -eq 0 ] || fail "$name exited with status $status after SIGTERM"
}

# run_client NAME OUT COMMAND [ARG...]: runs COMMAND to its end, stdout and
# stderr in $dir/OUT; it must exit with status 0.
run_client() {
  local name="$1" out="$2" status
  shift 2
  "$@" >"$dir/$out" 2>&1
  status=$?
  [ "$status" -eq 0 ] || fail "$name exited with status $status"
}

# expect FILE LINE: LINE must appear in $dir/FILE, exactly (checked by pass).
expect() {
  if ! grep -Fxq -- "$2" "$dir/$1"; then
    echo "FAIL: missing line in $1: $2" >&2
    failed=1
  fi
}

# pass: fails if an expect (or the script, setting failed=1) found a line
# missing; otherwise prints every output and PASS.
pass() {
  [ "$failed" -eq 0 ] || fail "expected lines missing"
  show
  echo "PASS"
}
