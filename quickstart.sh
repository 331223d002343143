#!/usr/bin/env bash
# ward's quick start: installs what is missing (Debian packages, npm packages), builds, and then
#   ./quickstart.sh example    runs the C++ example app
#   ./quickstart.sh test       runs the whole test suite (C++, C, Python, Node, ABI, packaging) in CTest
#   ./quickstart.sh sanitize   runs the C++ and C tests under ASan+UBSan and under TSan
# Run as root on Debian 12 (or with sudo available). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

debian_packages=(
  build-essential cmake ninja-build pkg-config git     # toolchain
  clang lld                                            # second compiler, sanitizer runtimes
  libboost-dev                                         # Boost.Outcome: the C++ API's result<T>
  libsimdjson-dev                                      # JSON parsing
  libmimalloc-dev                                      # ward's own buffers
  libtomlplusplus-dev                                  # capability and permission files (TOML)
  catch2                                               # C++ tests
  libbenchmark-dev                                     # bench/
  python3                                              # Python binding and its tests
)

install_debian_packages() {
  local missing=()
  for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if ((${#missing[@]})); then
    echo "quickstart: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_npm_packages() {
  local package_dir
  for package_dir in bindings/node bindings/js; do
    if [ ! -d "$package_dir/node_modules" ] || [ "$package_dir/package-lock.json" -nt "$package_dir/node_modules" ]; then
      echo "quickstart: npm ci in $package_dir"
      (cd "$package_dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

build() {
  local preset=$1
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
}

command=${1:-}
case "$command" in
  example)
    install_debian_packages
    build dev
    ./build/dev/examples/cpp/ward_example_cpp
    ;;
  test)
    install_debian_packages
    install_npm_packages
    build dev
    ctest --preset dev --parallel 2
    ;;
  sanitize)
    install_debian_packages
    for preset in asan-ubsan tsan; do
      build "$preset"
      ctest --preset "$preset" --label-regex "cpp|sanitize" --parallel 2
    done
    ;;
  *)
    echo "usage: $0 example|test|sanitize" >&2
    exit 2
    ;;
esac
