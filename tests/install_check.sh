#!/bin/sh
# Installs into a scratch DESTDIR, builds the README's API example against the installed copy
# with pkg-config (shared and static), runs it, then uninstalls. One PASS/FAIL line per check.
# TSAMP_MAKE_VARS carries the caller's make variables (CC=..., SAN=...).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/root"
prefix=/opt/tsamp
check() { # name, then a command that must succeed
    name=$1
    shift
    if "$@" >"$tmp/log" 2>&1; then echo "PASS install: $name"; else
        echo "FAIL install: $name"
        sed 's/^/    /' "$tmp/log" | head -20
    fi
}
# shellcheck disable=SC2086
check "make install DESTDIR PREFIX" make -s install DESTDIR="$dest" PREFIX="$prefix" $TSAMP_MAKE_VARS
for f in include/tsamp.h lib/libtsamp.a lib/libtsamp.so lib/libtsamp.so.0 lib/pkgconfig/tsamp.pc; do
    check "installed $f" test -e "$dest$prefix/$f"
done
awk '/^```c$/ {on = 1; next} /^```$/ {if (on) exit} on' README.md >"$tmp/example.c"
export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
cc_=$(echo " $TSAMP_MAKE_VARS " | sed -n 's/.* CC=\([^ ]*\) .*/\1/p')
cc_=${cc_:-cc}
san=""
case " $TSAMP_MAKE_VARS " in *" SAN=1 "*) san="-fsanitize=address,undefined" ;; esac
# shellcheck disable=SC2046
check "README example builds against the shared library" \
    $cc_ -std=c11 -Wall -Wextra -Werror $san "$tmp/example.c" -o "$tmp/ex" $(pkg-config --cflags --libs tsamp)
check "README example runs and prints the documented distribution" \
    sh -c "LD_LIBRARY_PATH='$dest$prefix/lib' '$tmp/ex' | grep -q '^cat  0.8650\$'"
# shellcheck disable=SC2046
check "README example links statically" \
    $cc_ -std=c11 $san "$tmp/example.c" -o "$tmp/ex_static" $(pkg-config --cflags tsamp) \
    "$dest$prefix/lib/libtsamp.a" $(pkg-config --libs-only-l --static tsamp | sed 's/-ltsamp//')
check "static example runs" sh -c "'$tmp/ex_static' | grep -q '^dog  0.1350\$'"
# shellcheck disable=SC2086
check "make uninstall" make -s uninstall DESTDIR="$dest" PREFIX="$prefix" $TSAMP_MAKE_VARS
check "uninstall removed every file" sh -c "test -z \"\$(find '$dest' -type f -o -type l)\""
