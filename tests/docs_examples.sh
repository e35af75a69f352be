#!/bin/sh
# docs_examples.sh - runs the examples in the docs, so that they stay true.
#
#   sh tests/docs_examples.sh [PROGRAM]     (make test runs it)
#
# PROGRAM is the ac97sim to test (default: build/ac97sim). The files read
# are README.md, docs/*.md and fixtures/*/README.md.
#
# The convention, for whoever writes an example:
#
# - Inside a ```sh block, a line that starts with "$ " is a command. It is
#   run; everything after "$ " is given to sh -c as it stands.
# - The lines after it, up to the next "$ " line or the end of the block,
#   are its output, shown for people. They are not compared.
# - A command must exit 0, unless its line ends with a comment that says
#   otherwise: "$ build/ac97sim run bad.ini   # exit 2" (words may follow
#   the number after a blank or a colon: "# exit 1: it finds the bug").
#   The shell ignores the comment, so the line still runs when pasted.
# - Lines of a ```sh block that do not start with "$ " (commands shown
#   without a prompt, such as make targets) are not run; nor is anything
#   in other blocks (```ini, plain ```).
#
# Commands run as if from the top of the tree: each file gets a fresh
# temporary folder holding build/ac97sim (a link to PROGRAM) and links to
# the tree's other top-level entries, so examples name build/ac97sim,
# fixtures/... and docs/... as a reader would, and what they write stays
# in the temporary folder. The commands of one file run in order in one
# folder, so a later example can use a file an earlier one wrote (a trace,
# a scenario). Standard input is /dev/null; SDL_AUDIODRIVER=dummy keeps
# examples away from a real audio device; each command has 60 s.
#
# The driver SDK is installed as a reader would have it after
# `make install PREFIX=DIR` and `export PKG_CONFIG_PATH=DIR/lib/pkgconfig`:
# its headers and ac97sim-driver.pc go to a temporary prefix (make
# install-sdk, which builds nothing) and PKG_CONFIG_PATH names it, so that
# `pkg-config --cflags ac97sim-driver` and a driver's own Makefile work.
#
# Exit status: 0 every command exited as its doc shows, 1 one did not (or
# no command was found at all, which means the convention broke), 2 bad
# usage.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
prog=${1:-build/ac97sim}
case $prog in
/*) ;;
*) prog=$(pwd)/$prog ;;
esac
if [ ! -x "$prog" ]; then
	echo "docs_examples: $prog: not an executable (run make first)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac97sim-docs-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

if command -v timeout >/dev/null 2>&1; then
	limit="timeout 60"
else
	limit=
fi

# A reader's shell is not inside make: the make of `make test` must not
# hand its jobserver, flags and variables to the makes the examples run.
unset MAKEFLAGS MFLAGS MAKELEVEL
sdk="$tmp/sdk"
if ! make -s -C "$top" install-sdk PREFIX="$sdk" DESTDIR= > "$tmp/sdk.log" 2>&1; then
	echo "docs_examples: cannot install the driver SDK to $sdk:"
	sed 's/^/  | /' "$tmp/sdk.log"
	exit 2
fi
PKG_CONFIG_PATH="$sdk/lib/pkgconfig"
export PKG_CONFIG_PATH

tab=$(printf '\t')
start=$(date +%s)
files=0
commands=0
failed=0

# One line per command: LINE <tab> EXPECTED-STATUS <tab> COMMAND.
extract() {
	awk '
	/^```sh[ \t]*$/ { in_sh = 1; next }
	/^```/ { in_sh = 0; next }
	in_sh && /^\$ / {
		cmd = substr($0, 3)
		want = 0
		if (match(cmd, /[ \t]#[ \t]*exit[ \t]+[0-9]+([ \t:].*)?$/)) {
			tail = substr(cmd, RSTART)
			sub(/^[ \t]#[ \t]*exit[ \t]+/, "", tail)
			sub(/[^0-9].*$/, "", tail)
			want = tail + 0
		}
		printf "%d\t%d\t%s\n", NR, want, cmd
	}' "$1"
}

for doc in "$top"/README.md "$top"/docs/*.md "$top"/fixtures/*/README.md; do
	[ -f "$doc" ] || continue
	rel=${doc#"$top"/}
	list="$tmp/list"
	extract "$doc" > "$list"
	[ -s "$list" ] || continue
	files=$((files + 1))

	dir="$tmp/run$files"
	mkdir -p "$dir/build"
	ln -s "$prog" "$dir/build/ac97sim"
	for entry in "$top"/*; do
		name=${entry##*/}
		case $name in
		build*) ;;
		*) ln -s "$entry" "$dir/$name" ;;
		esac
	done

	while IFS="$tab" read -r line want cmd; do
		commands=$((commands + 1))
		out="$tmp/out"
		(cd "$dir" && SDL_AUDIODRIVER=dummy $limit sh -c "$cmd") \
			< /dev/null > "$out" 2>&1
		got=$?
		if [ "$got" -ne "$want" ]; then
			failed=$((failed + 1))
			echo "$rel:$line: exit $got, the doc shows $want:"
			echo "  \$ $cmd"
			tail -n 8 "$out" | sed 's/^/  | /'
		fi
	done < "$list"
done

secs=$(($(date +%s) - start))
if [ "$commands" -eq 0 ]; then
	echo "docs_examples: no '\$ ' command in any \`\`\`sh block: the convention broke"
	exit 1
fi
if [ "$failed" -ne 0 ]; then
	echo "docs_examples: $failed of $commands commands in $files files did not exit as shown"
	exit 1
fi
echo "docs_examples: $commands commands in $files files exit as their docs show (${secs} s)"
exit 0
