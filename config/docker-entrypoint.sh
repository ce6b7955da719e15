#!/bin/sh
# Container start: the web server migrates and creates the schedules first; the worker (and any
# other command) starts directly. In docker-compose the worker waits for the web to be healthy.
set -eu

if [ "${1:-}" = "gunicorn" ]; then
    python manage.py migrate --noinput
    python manage.py billfold_setup
fi

exec "$@"
