#!/usr/bin/env bash
# Fail if nbdev-clean or nbdev-export changes any file git tracks (or adds one under dlnotes/):
# notebooks must be committed clean, and dlnotes/ must be what the notebooks export.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
snapshot() { git status --porcelain --untracked-files=all -- . ':!.venv'; git diff HEAD --binary | sha256sum; }
before=$(snapshot)
nbdev-clean >/dev/null
nbdev-export >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "ERROR: nbdev-clean/nbdev-export changed the tree: notebooks not clean or dlnotes/ out of sync." >&2
  echo "Run 'nbdev-clean && nbdev-export' and commit the result. Changes:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  git diff --stat >&2
  exit 1
fi
echo "sync check: nbdev-clean and nbdev-export leave the tree unchanged."
