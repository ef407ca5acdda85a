#!/usr/bin/env bash
# Benchmark dossier check and build on generated corpora (median of 3 runs).
#   bench/bench.sh 1000 10000        # sizes in accounts
#   HUGO=1 bench/bench.sh 1000       # also Hugo on the same content (../shared/bench/peers)
# Prints: size, command, median wall s, CPU s, peak RSS MiB, pages, pages/s.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gen="$here/../shared/bench/gen_corpus.py"
work=${BENCH_DIR:-/tmp/dossier-bench}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/dossier"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-8s %-6s %10s %8s %9s %7s %8s\n" accounts cmd wall_s cpu_s rss_mib pages pages/s
for n in "${sizes[@]}"; do
  corpus="$work/corpus-$n"
  [ -d "$corpus" ] || python3 "$gen" --accounts "$n" --seed 1 --out "$corpus" >/dev/null
  for cmd in check build; do
    walls=(); cpus=(); rsss=(); pages=0
    for i in 1 2 3; do
      out="$work/out-$n-$i"; rm -rf "$out"
      args=("$cmd" --root "$corpus"); [ "$cmd" = build ] && args+=(--output "$out")
      log=$( { /usr/bin/time -v "$bin" "${args[@]}" >/dev/null; } 2>&1 )
      walls+=("$(echo "$log" | awk -F': ' '/Elapsed \(wall/ {split($2,t,":"); print (t[1]*60)+t[2]}')")
      cpus+=("$(echo "$log" | awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}')")
      rsss+=("$(echo "$log" | awk -F': ' '/Maximum resident/ {print int($2/1024)}')")
      [ "$cmd" = build ] && pages=$(echo "$log" | sed -n 's/^built \([0-9]*\) pages.*/\1/p')
      rm -rf "$out"
    done
    w=$(printf "%s\n" "${walls[@]}" | median); c=$(printf "%s\n" "${cpus[@]}" | median); r=$(printf "%s\n" "${rsss[@]}" | median)
    pps=$(awk -v p="$pages" -v w="$w" 'BEGIN { if (p > 0 && w > 0) printf "%.0f", p / w; else print "-" }')
    printf "%-8s %-6s %10s %8s %9s %7s %8s\n" "$n" "$cmd" "$w" "$c" "$r" "${pages:-0}" "$pps"
  done
  if [ -n "${HUGO:-}" ] && command -v hugo >/dev/null; then
    site="$work/site-hugo-$n"
    [ -d "$site" ] || python3 "$here/../shared/bench/peers/to_hugo.py" "$corpus" "$site" >/dev/null
    walls=(); cpus=(); rsss=()
    for i in 1 2 3; do
      out="$work/out-hugo-$n-$i"; rm -rf "$out"
      log=$( { /usr/bin/time -v hugo -s "$site" -d "$out" >/dev/null; } 2>&1 )
      walls+=("$(echo "$log" | awk -F': ' '/Elapsed \(wall/ {split($2,t,":"); print (t[1]*60)+t[2]}')")
      cpus+=("$(echo "$log" | awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}')")
      rsss+=("$(echo "$log" | awk -F': ' '/Maximum resident/ {print int($2/1024)}')")
      rm -rf "$out"
    done
    w=$(printf "%s\n" "${walls[@]}" | median); c=$(printf "%s\n" "${cpus[@]}" | median); r=$(printf "%s\n" "${rsss[@]}" | median)
    printf "%-8s %-6s %10s %8s %9s %7s %8s\n" "$n" "hugo" "$w" "$c" "$r" "-" "-"
  fi
done
