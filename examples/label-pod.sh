#!/bin/sh
# saker response script: label the pod an alert names, so that a NetworkPolicy or an operator can isolate it.
# Dry run unless given --apply: kubectl then only prints what it would change.
#
#   script:
#     command: [/opt/saker/examples/label-pod.sh]          # add --apply to really label
#     envfields: [k8s.ns.name, k8s.pod.name]
#     env: { QUARANTINE_LABEL: "saker.io/quarantine=true" }
#     passenv: [PATH, HOME, KUBECONFIG, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT]
#     match: { priority: ">=Critical", tags: [container] }
#
# Exit codes: 0 labelled (or nothing to do); 75 (retry later) when the API server cannot be reached;
# 1 when kubectl refuses (pod gone, no permission); 64 on bad input.
set -eu

apply=false
for arg in "$@"; do
  case "$arg" in
    --apply) apply=true ;;
    *) echo "unknown argument: $arg (only --apply)" >&2; exit 64 ;;
  esac
done

ns=${SAKER_FIELD_K8S_NS_NAME:-}
pod=${SAKER_FIELD_K8S_POD_NAME:-}
label=${QUARANTINE_LABEL:-saker.io/quarantine=true}

if [ -z "$ns" ] || [ -z "$pod" ] || [ "$ns" = "<NA>" ] || [ "$pod" = "<NA>" ]; then
  echo "alert ${SAKER_UUID:-?} names no pod (k8s.ns.name / k8s.pod.name missing): nothing to do"
  exit 0
fi

# Names come from the alert, so from whoever triggered it: accept only valid Kubernetes names (RFC 1123),
# which also rules out anything kubectl could read as an option.
valid() { printf '%s' "$1" | grep -Eq '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$'; }
valid "$ns" || { echo "refusing namespace name '$ns'" >&2; exit 64; }
valid "$pod" || { echo "refusing pod name '$pod'" >&2; exit 64; }

dry=--dry-run=client
$apply && dry=--dry-run=none

if out=$(kubectl label pod --namespace "$ns" --overwrite "$dry" -- "$pod" "$label" 2>&1); then
  echo "$out"
  exit 0
fi
echo "$out" >&2
case "$out" in
  *"Unable to connect"*|*"connection refused"*|*"i/o timeout"*|*"ServiceUnavailable"*|*"TLS handshake timeout"*) exit 75 ;;
  *) exit 1 ;;
esac
