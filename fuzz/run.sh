#!/usr/bin/env bash
# The long fuzzing run: atheris (coverage-guided libFuzzer) over damaged real fixtures.
#
#   fuzz/run.sh [SECONDS] [MODE...]      default: 600 s, modes "ops raw" (time split evenly)
#
# Runs one libFuzzer worker per core (FUZZ_WORKERS to change).  New interesting inputs
# go to fuzz/corpus/MODE-found (kept between runs), crashes, hangs and memory blow-ups to
# fuzz/crashes/MODE/, logs to fuzz/out/.  Make a crash a regression input with
#   python fuzz/fuzz_boltview.py --mode=MODE --materialize fuzz/crashes/MODE/crash-... X.db
#   gzip -9n X.db && mv X.db.gz tests/regressions/WHAT-IT-BREAKS.db.gz
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
modes=${*:-ops raw}
workers=${FUZZ_WORKERS:-$(nproc)}

python -c 'import atheris' 2>/dev/null || pip install -q atheris
python fuzz/make_corpus.py fuzz/corpus

count=$(wc -w <<<"$modes")
for mode in $modes; do
    mkdir -p "fuzz/corpus/$mode-found" "fuzz/crashes/$mode" "fuzz/out/$mode"
    case $mode in
        raw) max_len=1200000 ;;
        *) max_len=512 ;;
    esac
    echo "== $mode: $((seconds / count)) s on $workers workers"
    # -fork: workers that crash are restarted and the run goes on, so one run can
    # collect several distinct crashes; -timeout backs up the in-process deadline.
    (cd "fuzz/out/$mode" && ../../fuzz_boltview.py --mode="$mode" \
        -fork="$workers" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time=$((seconds / count)) -timeout=60 -rss_limit_mb=2048 \
        -max_len=$max_len -artifact_prefix="../../crashes/$mode/" \
        -print_final_stats=1 "../../corpus/$mode-found" "../../corpus/$mode") \
        2>&1 | tee "fuzz/out/$mode.log" | grep -E "^#|crash|Hang|Error|DONE|stat::" | tail -n 40
done
echo "crashes:"
find fuzz/crashes -type f | sed 's/^/  /'
