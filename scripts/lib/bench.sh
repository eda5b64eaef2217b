# Sourced by the bench scripts: the statistics and machine facts they all print.

# Median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Smallest of the numbers on stdin, one per line.
minimum() { sort -g | head -1; }

# `timed FILE CMD...`: runs CMD, appends "wall cpu rss" to FILE: seconds, cpu = user + system
# seconds, rss = peak resident set in KiB (GNU time's %M).
timed() {
  local file="$1" t
  shift
  t="$(mktemp)"
  /usr/bin/time -o "$t" -f '%e %U %S %M' "$@"
  awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}' "$t" >> "$file"
  rm -f "$t"
}

# The CPU model, or "unknown".
cpu_model() {
  local m
  m="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "${m:-unknown}"
}

# The 1-, 5- and 15-minute load averages.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
