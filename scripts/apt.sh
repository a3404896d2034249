#!/usr/bin/env bash
# apt.sh COMMAND PACKAGE: installs the Debian package PACKAGE when COMMAND
# is not on the PATH (with sudo unless running as root). The tests and the
# checks need a few such programs; a fresh machine has apt but not them.
set -euo pipefail
command -v "$1" >/dev/null 2>&1 && exit 0
sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
echo "installing $2 (for $1)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" >/dev/null
