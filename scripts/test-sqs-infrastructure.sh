#!/usr/bin/env bash
# Seed name kept as a thin shim: `test-sqs-infrastructure.sh [ENV] [flags]` = `cargo xtask test-sqs --env ENV [flags]`.
# ENV may also come from the ENV variable: `ENV=staging ./scripts/test-sqs-infrastructure.sh`.
source "$(dirname "${BASH_SOURCE[0]}")/_xtask.sh"
env="${1:-}"
case "$env" in -*|"") env="" ;; *) shift ;; esac
mapfile -t flag < <(env_arg "$env")
exec cargo xtask "${flag[@]}" test-sqs "$@"
