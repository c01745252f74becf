#!/bin/sh
# saker response script: keep each alert as a JSON incident file, one file per alert, written atomically.
#
#   script:
#     command: [/opt/saker/examples/write-incident.sh]
#     env: { INCIDENT_DIR: /var/lib/saker/incidents }
#     match: { priority: ">=Critical" }
#
# saker gives the alert as JSON on stdin and SAKER_UUID / SAKER_TIME / SAKER_RULE in the environment.
# Exit codes: 0 written; 75 (retry later) when the directory cannot be written; 64 on bad input.
set -eu

dir=${INCIDENT_DIR:-./incidents}
mkdir -p "$dir" 2>/dev/null || { echo "cannot create $dir" >&2; exit 75; }

# The uuid names the file: alert content is untrusted, so keep only characters safe in a file name.
id=$(printf '%s' "${SAKER_UUID:-}" | tr -cd 'A-Za-z0-9-' | cut -c1-64)
[ -n "$id" ] || { echo "SAKER_UUID is missing or unusable" >&2; exit 64; }
day=$(printf '%s' "${SAKER_TIME:-}" | cut -c1-10 | tr -cd '0-9-')
name="${day:-undated}_${id}.json"

tmp=$(mktemp "$dir/.incident.XXXXXX") || { echo "cannot write in $dir" >&2; exit 75; }
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
[ -s "$tmp" ] || { echo "no alert on stdin" >&2; exit 64; }
# rename(2) is atomic: a reader never sees half a file, and a retried alert replaces its own file.
mv -f "$tmp" "$dir/$name"
trap - EXIT
echo "incident written: $dir/$name"
