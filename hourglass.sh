#!/usr/bin/env sh
# Runs a project task (`./hourglass.sh dev`, `./hourglass.sh test`, …), installing Deno from npm
# first when it is missing. Needs Node.js with npm; the local control plane also needs Go.
set -eu

DENO_VERSION=2.9.6
here=$(cd "$(dirname "$0")" && pwd)
cache="${HOURGLASS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hourglass-deno}"

find_deno() {
  if command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | grep -q '^deno 2\.'; then
    command -v deno
    return 0
  fi
  for candidate in "$cache/deno-$DENO_VERSION/node_modules/deno/deno" \
    "$cache/deno-$DENO_VERSION/node_modules/@deno/linux-x64-glibc/deno"; do
    if [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! deno_bin=$(find_deno); then
  command -v npm >/dev/null 2>&1 || {
    echo "hourglass.sh: Deno is not installed and npm is missing: install Node.js (with npm) first." >&2
    exit 1
  }
  echo "hourglass.sh: installing Deno $DENO_VERSION from npm into $cache/deno-$DENO_VERSION" >&2
  mkdir -p "$cache/deno-$DENO_VERSION"
  npm install --silent --no-audit --no-fund --allow-scripts=deno --prefix "$cache/deno-$DENO_VERSION" \
    "deno@$DENO_VERSION" >&2 2>/dev/null ||
    npm install --silent --no-audit --no-fund --prefix "$cache/deno-$DENO_VERSION" "deno@$DENO_VERSION" >&2
  deno_bin=$(find_deno) || {
    echo "hourglass.sh: npm installed deno@$DENO_VERSION but no working binary was found" >&2
    exit 1
  }
fi

[ $# -gt 0 ] || set -- --help
cd "$here"
exec "$deno_bin" task "$@"
