#!/bin/bash
# Translations: the zh_CN catalogue covers every feature, and LANGUAGE=zh_CN shows it.
set -u
SRC=${TOP_SRCDIR:-.}
B=${TOP_BUILDDIR:-.}
K=${KVMCPUID:-./kvmcpuid}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
fail() { echo "not ok - $1"; fails=$((fails + 1)); }

gmo=$B/po/zh_CN.gmo
[ -f "$gmo" ] || gmo=$SRC/po/zh_CN.gmo
[ -f "$gmo" ] || { echo "no zh_CN.gmo built"; exit 1; }
mkdir -p "$T/zh_CN/LC_MESSAGES"
cp "$gmo" "$T/zh_CN/LC_MESSAGES/kvmcpuid.mo"

msgattrib --translated --no-wrap "$SRC/po/zh_CN.po" >"$T/translated.po"
"$K" decode 0x0103ffff 1 | sed -n 's/^  bit  *[0-9]*  [a-z_0-9]*  *//p' >"$T/meanings"
n=$(wc -l <"$T/meanings")
[ "$n" -eq 19 ] && ok "19 feature meanings" || fail "$n feature meanings, want 19"
while IFS= read -r m; do
	grep -qxF "msgid \"$m\"" "$T/translated.po" && ok "zh_CN translates: $m" ||
		fail "zh_CN lacks: $m"
done <"$T/meanings"

env -u LANG -u LC_ALL -u LC_MESSAGES LANGUAGE=zh_CN KVMCPUID_LOCALEDIR="$T" \
	"$K" decode 0x0103ffff 1 >"$T/zh"
grep -qF "客户机在启用虚拟化自旋锁支持前检查此功能位" "$T/zh" && ok "decode in Chinese" || fail "decode not translated"
if grep -qE 'guest checks|kvmclock available|deprecated$' "$T/zh"; then fail "English left in zh output"; cat "$T/zh"; else ok "no English meanings left"; fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	env -u LANG -u LC_ALL LANGUAGE=zh_CN KVMCPUID_LOCALEDIR="$T" "$K" host >"$T/host"
	grep -qF "已弃用" "$T/host" && grep -qF "KVM模块" "$T/host" && ok "host in Chinese" ||
		{ fail "host not translated"; cat "$T/host"; }
fi
[ "$fails" -eq 0 ]
