#!/usr/bin/env bash
# Seed name kept as a thin shim: `switch-environment.sh [ENV]` = `cargo xtask switch [ENV]`.
# To change the current shell too: eval "$(./scripts/switch-environment.sh staging --shell)"
source "$(dirname "${BASH_SOURCE[0]}")/_xtask.sh"
exec cargo xtask switch "$@"
