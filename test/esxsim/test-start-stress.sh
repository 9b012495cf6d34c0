#!/bin/bash
# Bed start/stop robustness: 20 start/stop cycles back to back, then 3 beds
# started at the same time; every start succeeds, every bed answers (ssh
# and API), every stop leaves nothing. Times are printed, not asserted.
. "$(dirname "$0")/lib.sh"
esxsim_need virsh
T=$(mktemp -d)
trap 'for e in "$T"/*.env; do [ -s "$e" ] && (eval "$(cat "$e")"; "$STOP"); done; rm -rf "$T"' EXIT

bed_works() { # bed_works ENVFILE: ssh to host2 and the ESX API answer
  (eval "$(cat "$1")"
   ssh -i "$SSH_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
     -o BatchMode=yes -p "$SSH_PORT_HOST2" root@127.0.0.1 hostname | grep -qx host2 &&
   curl -skf "https://127.0.0.1:$ESX_API_PORT/esxsim/stats" | grep -q '^TOTAL')
}
bed_stop() { # bed_stop ENVFILE: stop, and the run folder is gone
  (eval "$(cat "$1")"; "$STOP" && [ ! -e "$RUN" ])
}

"$ESXSIM_DIR/start" --build-only || { fail "build"; esxsim_finish; }
times= bad=0
for i in $(seq 1 20); do
  if ! "$ESXSIM_DIR/start" >"$T/c.env" 2>"$T/c.err"; then
    bad=$((bad + 1)); echo "# cycle $i: start failed: $(tail -3 "$T/c.err")"; : >"$T/c.env"; continue
  fi
  times="$times $(sed -n 's/^START_MS=//p' "$T/c.env")"
  bed_works "$T/c.env" || { bad=$((bad + 1)); echo "# cycle $i: bed does not answer"; }
  bed_stop "$T/c.env" || { bad=$((bad + 1)); echo "# cycle $i: stop failed or left the run folder"; }
  : >"$T/c.env"
done
echo "# START_MS of the 20 cycles:$times"
[ $bad = 0 ] && ok "20 start/stop cycles back to back" || fail "20 cycles: $bad failure(s)"

for i in 1 2 3; do "$ESXSIM_DIR/start" >"$T/p$i.env" 2>"$T/p$i.err" & done
wait
for i in 1 2 3; do
  if [ -s "$T/p$i.env" ]; then
    echo "# parallel bed $i: START_MS=$(sed -n 's/^START_MS=//p' "$T/p$i.env")"
    bed_works "$T/p$i.env" && ok "parallel bed $i answers" || fail "parallel bed $i does not answer"
  else
    fail "parallel bed $i: start failed: $(tail -3 "$T/p$i.err")"
  fi
done
runs=$(for i in 1 2 3; do sed -n 's/^RUN=//p' "$T/p$i.env"; done | sort -u | wc -l)
[ "$runs" = 3 ] && ok "3 distinct run folders" || fail "run folders: $runs"
for i in 1 2 3; do
  [ -s "$T/p$i.env" ] && { bed_stop "$T/p$i.env" && ok "parallel bed $i stopped" || fail "parallel bed $i stop"; }
  : >"$T/p$i.env"
done
esxsim_finish
