#!/bin/sh
# Installs the Debian packages ac97sim needs to build and test, skipping the
# package manager when everything is already there. Run as root (or with
# sudo available); Debian 12 or later.
#
#   sh install-deps.sh           what make, make test and make check need
#   sh install-deps.sh --slurm   that, and Slurm and munge for make test-slurm
#                                (a one-node cluster started by the test;
#                                nothing else needs them)
set -eu

with_slurm=no
case ${1:-} in
"") ;;
--slurm) with_slurm=yes ;;
*)
	echo "usage: sh install-deps.sh [--slurm]" >&2
	exit 2
	;;
esac

# libsdl2-dev: SDL's headers to build against; its library (libsdl2-2.0-0,
# which it brings) is loaded at run time only by commands that listen.
PACKAGES="build-essential pkg-config check libsdl2-dev libsndfile1-dev libinih-dev libjansson-dev clang"

# libxml2-dev: explore --junit writes JUnit XML with libxml2's writer, and
# the tests validate it with libxml2's parser.
PACKAGES="$PACKAGES libxml2-dev"

# libclang-rt-dev: libFuzzer and the sanitizer runtimes for clang (make fuzz).
PACKAGES="$PACKAGES libclang-rt-dev"

# libdw-dev: elfutils' DWARF reader, which turns the return addresses of a
# driver's calls into the source lines a failure report names.
PACKAGES="$PACKAGES libdw-dev"

# parallel: GNU parallel, for the scale-out recipe that make test runs
# (tests/scale_out_parallel.sh, docs/scale-out.md).
PACKAGES="$PACKAGES parallel"

# libcairo2-dev: cairo, which draws --plot's PNG or SVG (tools/plot.c).
PACKAGES="$PACKAGES libcairo2-dev"

# gtkwave: its vcd2fst and fst2vcd read back the waveforms --vcd writes
# (tests/test_vcd.c: GTKWave must see what we wrote). sigrok-cli, the
# lighter package, was not taken: its VCD input drops vectors and string
# variables, so it would check a tenth of the file.
PACKAGES="$PACKAGES gtkwave"

# Slurm's controller, node daemon and commands, and munge (its
# authentication): make test-slurm starts a one-node cluster from them.
if [ "$with_slurm" = yes ]; then
	PACKAGES="$PACKAGES slurmctld slurmd slurm-client munge"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: need root (or sudo) to install:$missing" >&2
		exit 2
	fi
fi
echo "install-deps: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
