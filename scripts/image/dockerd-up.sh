#!/usr/bin/env bash
# Makes a Docker engine answer: an engine already running is used as it is; otherwise dockerd
# is started in the background the way this kind of machine allows (vfs storage, no iptables,
# no bridge: every container and build uses --network host). Exit 0 when the engine answers,
# 1 with the reason on stderr when it cannot start (CI then skips the image step, saying so).
set -uo pipefail
DOCKER=${DOCKER:-$(command -v /usr/bin/docker || command -v docker || true)}
[ -n "$DOCKER" ] || { echo "dockerd-up: no docker client (apt-get install docker.io)" >&2; exit 1; }
"$DOCKER" info >/dev/null 2>&1 && exit 0
command -v dockerd >/dev/null || { echo "dockerd-up: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "dockerd-up: dockerd is not running and starting it needs root" >&2; exit 1; }
log=${DOCKERD_LOG:-/var/log/dockerd-payments.log}
nohup dockerd --storage-driver=vfs --iptables=false --bridge=none >"$log" 2>&1 &
for _ in $(seq 1 60); do
  "$DOCKER" info >/dev/null 2>&1 && { echo "dockerd-up: started dockerd (pid $!, log $log)" >&2; exit 0; }
  kill -0 $! 2>/dev/null || break
  sleep 1
done
echo "dockerd-up: dockerd did not start; last lines of $log:" >&2
tail -n 5 "$log" >&2
exit 1
