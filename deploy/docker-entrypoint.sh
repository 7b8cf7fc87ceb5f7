#!/bin/sh
# The image's entrypoint: `api` or `worker` runs that app (with any further arguments); anything else
# runs as given, e.g. `sh`. exec replaces this shell, so SIGTERM reaches node and the app's graceful
# shutdown runs. scripts/check-deploy.ts reads the case arms below: keep one `name) shift; exec node
# <file> "$@" ;;` line per app.
set -e
case "$1" in
  api) shift; exec node dist/apps/api/main.js "$@" ;;
  worker) shift; exec node dist/apps/worker/main.js "$@" ;;
esac
exec "$@"
