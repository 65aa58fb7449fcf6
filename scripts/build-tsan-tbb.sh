#!/usr/bin/env bash
# Build oneTBB with ThreadSanitizer instrumentation from Debian's own source
# package and cache it, so `bazel test --config=tsan` can link it instead of
# Debian's prebuilt libtbb (whose internal synchronisation TSan cannot see).
#
# Result: ${OCKAM_CACHE_DIR:-$HOME/.cache/ockam_cpp}/tbb-tsan-<version>/
#           include/   oneTBB headers from the same source
#           lib/       libtbb.so* built with -DTBB_SANITIZE=thread
#         plus a stable symlink ${cache}/tbb-tsan -> tbb-tsan-<version>
# Idempotent: does nothing if the versioned directory is already complete.
set -euo pipefail

CACHE_DIR="${OCKAM_CACHE_DIR:-$HOME/.cache/ockam_cpp}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "[build-tsan-tbb] $*" >&2; }

# The version we build must match the system libtbb-dev (same ABI/headers).
VERSION="$(dpkg-query -W -f='${source:Upstream-Version}' libtbb-dev 2>/dev/null || true)"
if [ -z "$VERSION" ]; then
  log "libtbb-dev is not installed; run scripts/install-deps.sh first"
  exit 1
fi
DEST="$CACHE_DIR/tbb-tsan-$VERSION"

link_latest() {
  ln -sfn "tbb-tsan-$VERSION" "$CACHE_DIR/tbb-tsan"
}

if [ -f "$DEST/.complete" ] && ls "$DEST"/lib/libtbb.so* >/dev/null 2>&1 \
   && [ -f "$DEST/include/oneapi/tbb.h" ]; then
  link_latest
  log "already built: $DEST"
  exit 0
fi

for tool in cmake dpkg-source; do
  command -v "$tool" >/dev/null || { log "missing $tool; run scripts/install-deps.sh"; exit 1; }
done

# --- make deb-src available (same mirrors/suites/key as the deb entries) ----
SRC_LIST=/etc/apt/sources.list.d/debian-src.sources
has_deb_src() {
  grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    log "adding deb-src entries in $SRC_LIST"
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      | $SUDO tee "$SRC_LIST" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    log "adding deb-src lines in /etc/apt/sources.list.d/debian-src.list"
    sed -nE 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
      | $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
  else
    log "no apt sources found to derive deb-src entries from"; exit 1
  fi
  $SUDO apt-get update
fi

# --- fetch and build --------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tbb-tsan.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
log "fetching source of libtbb-dev $VERSION"
if ! apt-get source --download-only "libtbb-dev=$(dpkg-query -W -f='${Version}' libtbb-dev)" >/dev/null 2>&1; then
  # the exact version may have left the mirror: refresh indexes once and take what is there
  $SUDO apt-get update >/dev/null
  apt-get source --download-only libtbb-dev
fi
dpkg-source --no-check -x ./*.dsc src >/dev/null
SRC="$WORK/src"

JOBS="$(nproc 2>/dev/null || echo 2)"
BUILD_LOG="$WORK/build.log"
run_logged() {  # keep the (very chatty, -Wtsan) compiler output out of the way
  if ! "$@" >>"$BUILD_LOG" 2>&1; then
    tail -n 60 "$BUILD_LOG" >&2
    log "FAILED: $*"
    exit 1
  fi
}
log "configuring (TBB_SANITIZE=thread)"
run_logged cmake -S "$SRC" -B "$WORK/build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="${CC:-gcc}" -DCMAKE_CXX_COMPILER="${CXX:-g++}" \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF \
  -DTBB_SANITIZE=thread
log "building target tbb with $JOBS jobs"
run_logged cmake --build "$WORK/build" --target tbb -j "$JOBS"

# --- install into the cache atomically ----------------------------------
mkdir -p "$CACHE_DIR"
STAGE="$(mktemp -d "$CACHE_DIR/.tbb-tsan-stage.XXXXXX")"
chmod 755 "$STAGE"
mkdir -p "$STAGE/lib"
cp -a "$SRC/include" "$STAGE/include"
find "$WORK/build" -name 'libtbb*.so*' -path '*tbb*' -exec cp -a {} "$STAGE/lib/" \;
ls "$STAGE"/lib/libtbb.so* >/dev/null
echo "$VERSION" > "$STAGE/VERSION"
touch "$STAGE/.complete"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
link_latest
log "installed $DEST"
