# Sourced by scripts that set a base revision's bksim against the working tree's
# (compare-outputs.sh, bench-vs-base.sh). After `two_builds BASE_REV`, $work is a scratch
# directory removed on exit, $work/bksim-new the working tree's release build and
# $work/bksim-base the base revision's (built in a temporary worktree, into target/compare-base
# so the two builds do not evict each other).
two_builds() {
  local base_rev="$1" base_commit target
  base_commit="$(git rev-parse --verify "$base_rev^{commit}")"
  work="$(mktemp -d)"
  trap 'git worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  target="${CARGO_TARGET_DIR:-$(pwd)/target}"
  echo "== building the working tree" >&2
  cargo build --release --quiet --bin bksim
  cp "$target/release/bksim" "$work/bksim-new"
  echo "== building $base_rev ($(git rev-parse --short "$base_commit"))" >&2
  git worktree add --quiet --detach "$work/base-src" "$base_commit"
  (cd "$work/base-src" && CARGO_TARGET_DIR="$target/compare-base" cargo build --release --quiet --bin bksim)
  cp "$target/compare-base/release/bksim" "$work/bksim-base"
}
