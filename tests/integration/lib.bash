# Shared by the integration tests: a scratch folder removed on exit, and
# assertions that say what was expected and what came instead.
set -euo pipefail
: "${GAVEL:?GAVEL must name the gavel binary}"
: "${GV_SOURCE_DIR:?GV_SOURCE_DIR must name the source tree}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A command that fails under set -e says which it was, so no test ends silently.
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

# expect_contains TEXT NEEDLE WHAT
expect_contains() {
  case "$1" in *"$2"*) ;; *) fail "$3: expected to find '$2' in: $1" ;; esac
}
