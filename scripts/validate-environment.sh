#!/usr/bin/env bash
# Seed name kept as a thin shim: `validate-environment.sh [ENV] [flags]` = `cargo xtask validate --live --env ENV [flags]`.
# ENV may also come from the ENV variable: `ENV=staging ./scripts/validate-environment.sh`.
source "$(dirname "${BASH_SOURCE[0]}")/_xtask.sh"
env="${1:-}"
case "$env" in -*|"") env="" ;; *) shift ;; esac
mapfile -t flag < <(env_arg "$env")
exec cargo xtask "${flag[@]}" validate --live "$@"
