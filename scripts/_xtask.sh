# Shared by the seed's script names: run `cargo xtask` from the repository root, whatever the
# caller's directory. The environment comes from the first argument, else ENV, else the tool's
# own choice (MHT_ENV, then `cargo xtask switch`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
env_arg() {
  local e="${1:-${ENV:-}}"
  if [ -n "$e" ]; then printf -- '--env\n%s\n' "$e"; fi
}
