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

# The CLI verbs in Chinese: usage texts, export's and import's messages.
zh() { # zh WANT DESC -- command args: LANGUAGE=zh_CN, stdout in $T/out, stderr in $T/err
	want=$1 desc=$2
	shift 3
	env -u LANG -u LC_ALL -u LC_MESSAGES LANGUAGE=zh_CN KVMCPUID_LOCALEDIR="$T" \
		"$K" "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] && ok "$desc: exit $got" || {
		fail "$desc: exit $got, want $want"
		sed 's/^/# /' "$T/err" "$T/out" | head -20
	}
}
has() { # has FILE FIXED-TEXT DESC
	grep -qF -- "$2" "$1" && ok "$3" || { fail "$3: no '$2'"; sed 's/^/# /' "$1" | head -20; }
}
hasx() { # hasx FILE ERE DESC
	grep -qE -- "$2" "$1" && ok "$3" || { fail "$3: no /$2/"; sed 's/^/# /' "$1" | head -20; }
}
lacks() { # lacks FILE ERE DESC
	if grep -qE -- "$2" "$1"; then fail "$3"; grep -E -- "$2" "$1" | sed 's/^/# /'; else ok "$3"; fi
}
for verb in export import baseline migrate-check; do
	zh 0 "$verb --help" -- "$verb" --help
	hasx "$T/out" "^用法：kvmcpuid $verb " "$verb --help: Chinese usage line"
	has "$T/out" "  -h, --help" "$verb --help: option names kept"
	has "$T/out" "显示此帮助" "$verb --help: option text in Chinese"
	lacks "$T/out" 'Usage:|this text|print |write there|(^| )(the|when|every) ' \
		"$verb --help: no English prose left"
done
has "$T/out" '打印 {"safe": ..., "refusals": [...]}' "migrate-check --help: JSON keys kept"
zh 0 "export --help" -- export --help
has "$T/out" "以另一种VMM" "export --help: description in Chinese"
has "$T/out" "cloud-hypervisor（命令行选项）" "export --help: format names kept"
zh 0 "import --help" -- import --help
has "$T/out" "（FILE:LINE:COL）" "import --help: FILE:LINE:COL kept"
zh 0 "baseline --help" -- baseline --help
has "$T/out" "enforce 为 on" "baseline --help: policy key and value kept"

# The default policy (default = host) asks for async_pf_vmexit, for which QEMU has no
# -cpu property: the export is not exact (exit 1) and says so on stderr.
zh 1 "export --to qemu (default policy loses async_pf_vmexit)" -- export --to qemu
hasx "$T/err" "^kvmcpuid: qemu 无法表达“async_pf_vmexit”：" "export: 'cannot express' in Chinese"
lacks "$T/err" "cannot express" "export: no English 'cannot express'"
has "$T/out" "kvm-pv-enforce-cpuid=off" "export: the QEMU properties themselves are not translated"

printf 'qemu64,hv-relaxed=on\n' >"$T/qemu.args"
zh 1 "import --from qemu (hv-relaxed is not carried)" -- import --from qemu "$T/qemu.args"
has "$T/err" "$T/qemu.args:1:8: 警告：策略无法承载“hv-relaxed”：" \
	"import: warning in Chinese, FILE:1:8: kept"
lacks "$T/err" "warning: cannot carry" "import: no English warning"
has "$T/out" "# 由 kvmcpuid 从 $T/qemu.args（qemu）导入；部分设置未能承载（见警告）" \
	"import: the comment line in Chinese"
has "$T/out" "base = 0x40000100" "import: policy keys and values not translated"
"$K" lint "$T/out" >/dev/null 2>&1
[ $? -ne 2 ] && ok "import: the Chinese comment still parses" || fail "Chinese policy comment does not parse"

# The catalogue does not lag: every message of the template with a letter outside its
# printf directives is translated (not fuzzy) in zh_CN.po; pure format strings
# ("%-24s %s -> %s\n") may stay untranslated.
pot=$SRC/po/kvmcpuid.pot
[ -f "$pot" ] || pot=$B/po/kvmcpuid.pot
if [ -f "$pot" ]; then
	msgmerge --quiet --no-fuzzy-matching -o "$T/merged.po" "$SRC/po/zh_CN.po" "$pot" &&
		msgattrib --clear-fuzzy --empty "$T/merged.po" |
		msgattrib --untranslated --no-obsolete -o "$T/untranslated.po" || fail "msgmerge/msgattrib failed"
	cat >"$T/words.sh" <<'EOS'
[ -n "$MSGEXEC_MSGID" ] || exit 0
printf '%s' "$MSGEXEC_MSGID" |
	LC_ALL=C sed -E "s/%([0-9]+[$])?[-+ #0']*([0-9]+|[*])?([.]([0-9]+|[*]))?(hh|h|ll|l|L|j|z|t)?[diouxXeEfFgGaAcspm%]//g" |
	LC_ALL=C grep -q '[[:alpha:]]' &&
	{ printf '%s' "$MSGEXEC_MSGID" | tr '\n' '\001' | sed 's/\x01/\\n/g; s/^/#   msgid "/; s/$/"/'; echo; }
exit 0
EOS
	msgexec -i "$T/untranslated.po" sh "$T/words.sh" >"$T/lagging"
	if [ -s "$T/lagging" ]; then
		fail "zh_CN.po lacks translations of these messages of kvmcpuid.pot:"
		cat "$T/lagging"
	else
		ok "zh_CN.po translates every message of kvmcpuid.pot that has words"
	fi
else
	fail "no po/kvmcpuid.pot (build first)"
fi
[ "$fails" -eq 0 ]
