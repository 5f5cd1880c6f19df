#!/usr/bin/env bash
# Installs the Debian packages wbbench needs to build, test and analyse, and
# nothing else.  Idempotent: a second run finds everything present and
# installs nothing.  Non-interactive.  Needs root (or sudo) only when
# something is missing.
#
#   ./setup.sh            install what is missing
#   ./setup.sh --check    only report what is missing (exit 1 if anything)
#
# WBBENCH_SETUP_EXTRA="pkg ..." adds packages to the list (used by the tests).
set -euo pipefail

packages=(
  cmake g++ make pkg-config git         # toolchain
  libbenchmark-dev libbenchmark-tools   # Google Benchmark, its compare.py
  libabsl-dev                           # Abseil: flags, strings, status, sync
  libxbyak-dev                          # xbyak: the JIT barriers
  libpfm4-dev                           # libpfm4: hardware counter encoding
  libgtest-dev libgmock-dev             # GoogleTest
  binutils                              # objdump for --dump-barrier
  valgrind                              # --counters=valgrind (callgrind, client requests)
  clang clang-format                    # fuzzer/sanitizer builds, format check
  libclang-rt-14-dev                    # libFuzzer runtime (only recommended by clang)
  python3 python3-numpy python3-scipy python3-matplotlib  # analysis (/usr/bin/python3)
  libgc-dev                             # Boehm GC peer (analysis/mark_peers.py)
)
# shellcheck disable=SC2206
packages+=(${WBBENCH_SETUP_EXTRA:-})

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  *) echo "setup.sh: unknown argument '$1'; accepted: --check" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all ${#packages[@]} packages present; nothing to install"
  exit 0
fi
echo "setup.sh: missing: ${missing[*]}"
if [[ $check_only -eq 1 ]]; then
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup.sh: cannot install ${missing[*]}: not root and no sudo; install them with apt-get as root" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup.sh: cannot install ${missing[*]}: apt-get not found (wbbench expects Debian 12)" >&2
  exit 1
fi

echo "setup.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq ||
   ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup.sh: apt-get could not install: ${missing[*]} (check the network and apt sources)" >&2
  exit 1
fi
echo "setup.sh: installed ${#missing[@]} package(s)"
