#!/bin/sh
# Suite 'deploy': the PrometheusRule's groups as a plain Prometheus rule file,
# `promtool check rules` on it (annotation templates included), then
# `promtool test rules` on synthetic series (rules-test.yaml; annotations
# stripped there so the tests compare alert names, labels and timing).
set -eu
src=${SM_SOURCE_ROOT:?}
work=${SM_BUILD_ROOT:-/tmp}/deploy-rules
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed"; exit 77; }
rm -rf "$work"
mkdir -p "$work/full" "$work/test"

# Everything under "spec:" of the PrometheusRule, dedented: a rule file.
awk 'f { sub(/^  /, ""); print } /^spec:/ { f = 1 }' "$src/daemonset/prometheusrule.yaml" >"$work/full/rules.yml"
promtool check rules "$work/full/rules.yml"

awk '
	/^ *annotations:/ { ind = match($0, /[^ ]/); skip = 1; next }
	skip { if ($0 ~ /^ *$/ || match($0, /[^ ]/) > ind) next; skip = 0 }
	{ print }' "$work/full/rules.yml" >"$work/test/rules.yml"
cp "$src/test/deploy/rules-test.yaml" "$work/test/"

# Every alert is tested both ways: at least one eval expecting it and one
# expecting silence (exp_alerts: []).
missing=0
for a in $(sed -n 's/^ *- alert: *//p' "$work/full/rules.yml"); do
	awk -v a="$a" '
		$1 == "alertname:" && $2 == a { seen = 1; next }
		seen && $1 == "exp_alerts:" { if ($2 == "[]") quiet = 1; else fire = 1; seen = 0 }
		END { exit !(quiet && fire) }' "$work/test/rules-test.yaml" || {
		echo "alert $a is not tested both firing and not firing in rules-test.yaml"
		missing=1
	}
done
[ "$missing" = 0 ] || { echo "0 passed, 1 failed"; exit 1; }
cd "$work/test"
if promtool test rules rules-test.yaml; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi
