#!/usr/bin/env bash
# Writes a help2man include file (stdout): a COMMANDS section with every command's --help,
# so that `man harvester-autoscaler` documents each command as its --help does.
# Usage: man-commands.sh BINARY
set -euo pipefail
bin=$1
# roff: a backslash is \e; a line starting with . or ' would be a request.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
echo "[COMMANDS]"
"$bin" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z-]*\) .*/\1/p' | while read -r cmd; do
  echo ".SS $cmd"
  echo ".nf"
  "$bin" "$cmd" --help | escape
  echo ".fi"
done
