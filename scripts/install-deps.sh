#!/usr/bin/env bash
# Install the Debian packages ockam_cpp builds against. Idempotent: only
# missing packages are installed; `apt-get update` runs at most once, and
# only when something is missing. Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap   # Bazel 4.2.3, /usr/bin/bazel
  g++               # g++ 12, the default toolchain
  libtbb-dev        # oneTBB 2021.8
  libconcurrentqueue-dev
  doctest-dev
  libbenchmark-dev
  libcaf-dev        # CAF 0.17, for comparison benchmarks
  libasio-dev       # standalone asio
  libssl-dev        # OpenSSL 3 libcrypto: X25519, AES-256-GCM, SHA-256, HMAC,
                    # HKDF for the Noise handshake and secure channels (//crypto)
  nlohmann-json3-dev  # header-only JSON reader for the Noise vector runner
  dpkg-dev          # apt-get source / dpkg-source (scripts/build-tsan-tbb.sh)
  cmake             # builds the TSan oneTBB
  curl              # the HTTP client of examples/10-metrics_test.sh
  clang
  libclang-rt-14-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  if [ "$status" != "installed" ]; then missing+=("$pkg"); fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "[install-deps] all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "[install-deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
updated=0
# No package indexes at all (fresh container): update before the first try.
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  $SUDO apt-get update
  updated=1
fi
# Otherwise try with the indexes we have; refresh once if that fails.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  if [ "$updated" -eq 1 ]; then exit 1; fi
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "[install-deps] done"
