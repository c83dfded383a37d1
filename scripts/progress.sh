# Progress lines for the set-up scripts (sourced): what a step installs, about how long it takes the
# first time, and how long it took. A long step's own output goes to a log, shown only if it fails.
# Every line is printed before the step starts, so the user never waits on a silent terminal.

_step_t0=0

step() {  # step "what it does" "about how long the first time"
  _step_t0=$SECONDS
  echo "==> $1 (${2}) ..."
}

step_done() {  # step_done [how it ended, default "done"]
  echo "    ${1:-done} in $((SECONDS - _step_t0)) s"
}

quietly() {  # quietly LOG command ...: run with its output in LOG; on failure show the log's tail
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "    failed: $* (last lines of $log):" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
}
