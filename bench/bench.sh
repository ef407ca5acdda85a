#!/usr/bin/env bash
# Benchmark dossier check and build on generated corpora (median of 3 runs).
#   bench/bench.sh 1000 10000        # sizes in accounts
#   HUGO=1 bench/bench.sh 1000       # also Hugo on the same content (../shared/bench/peers),
#                                    # up to HUGO_MAX accounts (50000)
#   HUGO=1 PAGEFIND=1 bench/bench.sh 10000   # and Hugo + Pagefind (the "site with search")
#   OUT_DIR=/dev/shm bench/bench.sh 10000    # write the sites to RAM: no file-system cost
#   RUNS=1 bench/bench.sh 100000             # one run instead of the median of 3
# Corpora come from ../shared/bench/gen_corpus.py; above 50,000 accounts (its name space
# runs out) two halves with different seeds are merged by bench/merge_corpora.py.
# Prints: size, command, median wall s, median wall s until the output is on disk (the
# run, then `sync`), CPU s, peak RSS MiB, pages, pages/s; then the ratios of the medians
# (build / Hugo, build / Hugo + Pagefind, build N / previous N), of both wall times.
# Outputs are kept until every run is done, then deleted: on ext4 without a journal,
# creating files in the 6 minutes after a large delete is much slower (the inode
# allocator skips inodes freed in the last 60 s, or 360 s once their inode-table block
# is dirty again, which our own new files make it; `perf` shows find_inode_bit and
# recently_deleted taking ~40% of a build), which would measure the previous run's
# `rm -rf`, not the tool. Leftovers of an earlier run (and killed builds' hidden temp
# folders) are deleted first, then the script waits SETTLE s (370). Run one invocation
# for all sizes, or wait 6 minutes between invocations.
# Every timed run starts after `sync`: at 100,000 accounts a build writes 6 GB, and the
# next run would otherwise share the disk and the CPUs with writing that back. It also
# starts with its input in the page cache (every file read once, `warm`): a 100,000-
# account build's 6 GB of output evicts the corpus, and loading it from disk took 23 s
# instead of 11, which measured the disk's read speed, not the tool. Every tool gets
# the same warm start.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gen="$here/../shared/bench/gen_corpus.py"
work=${BENCH_DIR:-/tmp/dossier-bench}
outs=${OUT_DIR:-$work}
runs=${RUNS:-3}
mkdir -p "$work" "$outs"
if compgen -G "$outs/out-*" >/dev/null || compgen -G "$outs/.out-*" >/dev/null; then
  rm -rf "$outs"/out-* "$outs"/.out-*; sync; sleep "${SETTLE:-370}"
fi
trap 'rm -rf "$outs"/out-* "$outs"/.out-*' EXIT
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/dossier"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
warm() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
corpus_of() { # accounts → corpus folder, generated on first use
  local n=$1 dir="$work/corpus-$1"
  if [ ! -d "$dir" ]; then
    if [ "$n" -le 50000 ]; then
      python3 "$gen" --accounts "$n" --seed 1 --out "$dir" >/dev/null
    else
      local half=$(( (n + 1) / 2 ))
      python3 "$gen" --accounts "$half" --seed 1 --out "$dir.a" >/dev/null
      python3 "$gen" --accounts $(( n - half )) --seed 2 --out "$dir.b" >/dev/null
      python3 "$here/bench/merge_corpora.py" "$dir" "$dir.a" "$dir.b"
      rm -rf "$dir.a" "$dir.b"
    fi
  fi
  echo "$dir"
}
declare -A W S C R P  # per "size tool": the runs' wall s, wall + sync s, CPU s, peak RSS MiB; pages
# One timed run of TOOL at size N (input folder IN) → W/S/C/R/P["N TOOL"].
timed() {
  local n=$1 tool=$2 in=$3; shift 3
  sync  # a fresh corpus is on disk too (each run ends with its own output synced)
  warm "$in"
  local log; log=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 )
  # then until its output is on disk: a 10,000-account build exits before the kernel
  # writes its 0.5 GB back, a 100,000-account one has written most of its 6 GB itself
  local s0 s1; s0=$(date +%s.%N); sync; s1=$(date +%s.%N)
  local w; w=$(echo "$log" | awk -F': ' '/Elapsed \(wall/ {split($2,t,":"); print (t[1]*60)+t[2]}')
  W["$n $tool"]+="$w "
  S["$n $tool"]+="$(awk -v w="$w" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", w + b - a }') "
  C["$n $tool"]+="$(echo "$log" | awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}') "
  R["$n $tool"]+="$(echo "$log" | awk -F': ' '/Maximum resident/ {print int($2/1024)}') "
  P["$n $tool"]=$(echo "$log" | sed -n 's/^built \([0-9]*\) pages.*/\1/p')
}
med() { printf "%s\n" $1 | median; }
report() {
  local n=$1 tool=$2 w pages pps
  w=$(med "${W[$n $tool]}"); pages=${P[$n $tool]:-}
  pps=$(awk -v p="${pages:-0}" -v w="$w" 'BEGIN { if (p > 0 && w > 0) printf "%.0f", p / w; else print "-" }')
  printf "%-8s %-10s %10s %10s %8s %9s %7s %8s\n" "$n" "$tool" "$w" "$(med "${S[$n $tool]}")" "$(med "${C[$n $tool]}")" \
    "$(med "${R[$n $tool]}")" "${pages:--}" "$pps"
}
printf "%-8s %-10s %10s %10s %8s %9s %7s %8s\n" accounts cmd wall_s +sync_s cpu_s rss_mib pages pages/s
for n in "${sizes[@]}"; do
  corpus=$(corpus_of "$n")
  # check: every account re-read (--no-cache; it still refreshes the cache).
  # check-warm: nothing changed since the last check, the author's usual case.
  for i in $(seq "$runs"); do timed "$n" check "$corpus" "$bin" check --no-cache --root "$corpus"; done
  report "$n" check
  sleep 2; "$bin" check --root "$corpus" >/dev/null || true
  for i in $(seq "$runs"); do timed "$n" check-warm "$corpus" "$bin" check --root "$corpus"; done
  report "$n" check-warm
done
# Builds: run by run, every size and every peer in turn (dossier 1k, Hugo 1k, Hugo +
# Pagefind 1k, dossier 10k, …, then the second run of each), so that a machine that
# slows down for a while (shared hosts do) slows every tool and size alike and the
# ratios hold. Hugo held 3.3 GiB at 10,000 accounts and Pagefind 6.7: ten times that
# does not fit this 24 GiB machine, so the peers stop at HUGO_MAX accounts.
peers_of() {
  if [ -n "${HUGO:-}" ] && [ "$1" -le "${HUGO_MAX:-50000}" ] && command -v hugo >/dev/null; then
    echo hugo ${PAGEFIND:+hugo+pf}
  fi
}
for i in $(seq "$runs"); do
  for n in "${sizes[@]}"; do
    corpus=$(corpus_of "$n") site="$work/site-hugo-$n"
    timed "$n" build "$corpus" "$bin" build --root "$corpus" --output "$outs/out-$n-$i"
    for peer in $(peers_of "$n"); do
      [ -d "$site" ] || python3 "$here/../shared/bench/peers/to_hugo.py" "$corpus" "$site" >/dev/null
      out="$outs/out-$peer-$n-$i"
      if [ "$peer" = hugo ]; then
        timed "$n" "$peer" "$site" hugo -s "$site" -d "$out"
      else
        timed "$n" "$peer" "$site" sh -c 'hugo -s "$1" -d "$2" >/dev/null && pagefind --site "$2"' sh "$site" "$out"
      fi
    done
  done
done
for n in "${sizes[@]}"; do
  for tool in build $(peers_of "$n"); do report "$n" "$tool"; done
done
# Ratios of medians: dossier build to each peer, and each size's build to the previous.
# ratio LABEL "N TOOL" "M TOOL": median wall of the first over the second, both ways.
ratio() {
  awk -v l="$1" -v a="$(med "${W[$2]}")" -v b="$(med "${W[$3]}")" \
    -v as="$(med "${S[$2]}")" -v bs="$(med "${S[$3]}")" \
    'BEGIN { printf "ratio    %s = %.2f (until on disk: %.2f)\n", l, a / b, as / bs }'
}
prev=""
for n in "${sizes[@]}"; do
  for peer in hugo hugo+pf; do
    [ -n "${W[$n $peer]:-}" ] && ratio "$(printf "%-8s build / %-8s" "$n" "$peer")" "$n build" "$n $peer"
  done
  [ -n "$prev" ] && ratio "build $n / build $prev" "$n build" "$prev build"
  prev=$n
done
