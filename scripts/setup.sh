#!/usr/bin/env bash
# Installs everything Kiln needs to build and test, idempotently.
# Debian packages via apt-get (only when missing), Python packages via pip.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev liblld-19-dev llvm-19-tools
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev prometheus-cpp-dev libgtest-dev
  libxxhash-dev libssl-dev openssl libhiredis-dev redis-server
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libffi-dev
  liblapack3  # extfunc: Numba's numba_xgesv over the system LAPACK where SciPy is absent (test_external_function.py)
)
PY_PACKAGES=(numpy numba grpcio protobuf pytest)
# service: checks of deploy/ (tests/integration/test_deploy.py): Kubernetes'
# JSON schemas, a PromQL parser (promtool is only in Debian's 96 MB
# prometheus server package), YAML and JSON Schema.
PY_PACKAGES+=(kubernetes-validate promql-parser pyyaml jsonschema)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
need_py=()
for p in "${PY_PACKAGES[@]}"; do
  mod=$p
  case $p in grpcio) mod=grpc ;; protobuf) mod=google.protobuf ;; esac
  case $p in kubernetes-validate) mod=kubernetes_validate ;; promql-parser) mod=promql_parser ;; pyyaml) mod=yaml ;; esac
  "$PY" -c "import $mod" 2>/dev/null || need_py+=("$p")
done
if [ ${#need_py[@]} -gt 0 ]; then
  "$PY" -m pip install -q "${need_py[@]}"
fi
