#!/bin/bash
# Suite 'deploy': docs/ssd-monitor.8 renders without groff warnings, and its OPTIONS
# list, `ssd-monitor --help` and the option table in agent/config.c name the same
# options; the parser accepts each of them (its error, if any, is about the value,
# never "unknown option").
set -uo pipefail
src=${SM_SOURCE_ROOT:?}
bin=${SM_BUILD_ROOT:?}/ssd-monitor
man=${SM_MANPAGE:-$src/docs/ssd-monitor.8}
work=$SM_BUILD_ROOT/deploy-manpage
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; failed=$((failed + 1)); }
rm -rf "$work" && mkdir -p "$work"

# 1. groff: no warnings at all (-ww), and some text came out.
if groff -ww -man -Tutf8 -P-cbou "$man" >"$work/man.txt" 2>"$work/groff.err" && [ ! -s "$work/groff.err" ] &&
	grep -q 'EXIT STATUS' "$work/man.txt"; then
	ok "groff -ww -man renders without warnings"
else
	nok "groff -ww -man renders without warnings" "$(head -5 "$work/groff.err")"
fi
if command -v man >/dev/null 2>&1; then
	if MANWIDTH=80 man --warnings -l "$man" >/dev/null 2>"$work/man.err" && [ ! -s "$work/man.err" ]; then
		ok "man -l renders without warnings"
	else
		nok "man -l renders without warnings" "$(head -5 "$work/man.err")"
	fi
fi

# 2. The three option lists. --help: the option lines of the usage text (indented,
# first word an option). Man page: the tags (.TP next line) of the OPTIONS section.
# config.c: the names in the opts[] table.
"$bin" --help >"$work/help.txt" || nok "--help exits 0"
grep -oE '^ +(-h, )?--[a-z][a-z0-9.-]*' "$work/help.txt" | grep -oE -- '--[a-z][a-z0-9.-]*' |
	sort -u >"$work/help.opts"
awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 }
	on && tag { print; tag = 0 } on && /^\.TP/ { tag = 1 }' "$man" |
	sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z0-9.-]*[a-z0-9]' | sort -u >"$work/man.opts"
sed -n '/^static const struct opt opts\[\] = {/,/^};/p' "$src/agent/config.c" |
	grep -oE '\{"[a-z][a-z0-9.-]*", OPT_' | sed -E 's/^\{"/--/; s/", OPT_$//' |
	sort -u >"$work/table.opts"
n=$(wc -l <"$work/table.opts")
if [ "$n" -ge 20 ]; then ok "option table has $n options"; else nok "option table has $n options (< 20: extraction broken?)"; fi
for pair in "help:man" "help:table" "man:table"; do
	a=${pair%%:*} b=${pair##*:}
	if d=$(diff "$work/$a.opts" "$work/$b.opts"); then
		ok "options in $a and $b are the same"
	else
		nok "options in $a and $b are the same" "$(echo "$d" | grep '^[<>]' | tr '\n' ' ')"
	fi
done

# 3. The parser knows each listed option. "--opt=@ --help": a valued option rejects or
# takes '@', a flag says it takes no value, then --help ends parsing; nothing starts.
check_known() { # <option> -> 0 known, 1 unknown
	timeout 5 "$bin" "$1=@" --help >/dev/null 2>"$work/parse.err"
	! grep -q 'unknown option' "$work/parse.err"
}
if check_known --no-such.option; then
	nok "control: --no-such.option is an unknown option"
else
	ok "control: --no-such.option is an unknown option"
fi
bad=""
for o in $(cat "$work/help.opts" "$work/man.opts" | sort -u); do
	check_known "$o" || bad="$bad $o"
done
if [ -z "$bad" ]; then ok "the parser accepts every listed option"; else nok "the parser accepts every listed option" "unknown:$bad"; fi

echo "# passed $passed, failed $failed"
[ "$failed" -eq 0 ]
