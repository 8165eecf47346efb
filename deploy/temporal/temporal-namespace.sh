#!/bin/sh
# Waits for the Temporal frontend, then creates TEMPORAL_NAMESPACE unless it exists (the server
# creates none). The `temporal` CLI reads TEMPORAL_ADDRESS (and TEMPORAL_API_KEY, TEMPORAL_TLS_*).
set -eu
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_NAMESPACE_RETENTION_DAYS:=30}"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge "${TEMPORAL_WAIT_SECONDS:-120}" ]; then
    echo "the Temporal frontend at ${TEMPORAL_ADDRESS:-127.0.0.1:7233} did not answer SERVING" >&2
    exit 1
  fi
  sleep 1
done
if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace ${TEMPORAL_NAMESPACE} exists"
else
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" \
    --retention "${TEMPORAL_NAMESPACE_RETENTION_DAYS}d" --description "greenroom journeys"
  echo "namespace ${TEMPORAL_NAMESPACE} created (retention ${TEMPORAL_NAMESPACE_RETENTION_DAYS} days)"
fi
