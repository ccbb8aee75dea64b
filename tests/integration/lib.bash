# Shared by the integration tests: a scratch folder removed on exit, and
# assertions that say what was expected and what came instead.
set -Eeuo pipefail
: "${GAVEL:?GAVEL must name the gavel binary}"
: "${GV_SOURCE_DIR:?GV_SOURCE_DIR must name the source tree}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A command that fails under set -e says which it was, so no test ends silently
# (set -E: inside functions and command substitutions too).
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
cd "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_exit CODE CMD...: runs CMD, which must exit with CODE; output in $out, $err.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$work/.out" 2>"$work/.err" || got=$?
  out=$(cat "$work/.out")
  err=$(cat "$work/.err")
  [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want; stderr: $err"
}

# wait_ready OUT PID: waits until the server PID has written its "ready" line to
# the file OUT, for at most two minutes (a server on a loaded machine, or one
# that loads its meeting from a throwaway PostgreSQL, may take many seconds);
# fails at once if the server ends first.
wait_ready() {
  local deadline=$((SECONDS + 120))
  until grep -qs '^ready' "$1"; do
    kill -0 "$2" 2>/dev/null || fail "serve ended before it was ready: $(cat "$1" "${1%.out}.err" 2>/dev/null)"
    [ "$SECONDS" -lt "$deadline" ] || fail "serve not ready after 120 s: $(cat "$1" "${1%.out}.err" 2>/dev/null)"
    sleep 0.05
  done
}

# expect_contains TEXT NEEDLE WHAT
expect_contains() {
  case "$1" in *"$2"*) ;; *) fail "$3: expected to find '$2' in: $1" ;; esac
}
