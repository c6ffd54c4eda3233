#!/bin/sh
# Fetches llama.cpp's header and a prebuilt libllama for `make test-llama`, from two npm
# packages of one version (they are built from the same llama.cpp release):
#   node-llama-cpp              llama/gitRelease.bundle: a git bundle of llama.cpp's source
#   @node-llama-cpp/linux-x64   bins/linux-x64/: libllama, libggml*, CPU backends (x86-64)
# into DIR (build/llama):
#   DIR/include/   llama.h and the ggml headers it includes (git archive of the bundle)
#   DIR/lib/       the prebuilt shared libraries, plus libllama.so / libggml.so links to them
#   DIR/release    the llama.cpp release both packages name (checked to be the same)
#   DIR/ok-VERSION written last: the fetch is complete (a later run does nothing)
# Nothing here is committed: build/ is the build tree.
#
# Usage: fetch.sh DIR VERSION
# Exit 0: ready. Exit 77: skipped, with "test-llama: skipped: <reason>" printed (no npm, no
# git, not x86-64 Linux, the download failed). Any other exit: the packages are inconsistent.
set -u
dir=${1:?usage: fetch.sh DIR VERSION}
version=${2:?usage: fetch.sh DIR VERSION}
skip() {
    echo "test-llama: skipped: $*"
    exit 77
}
[ -f "$dir/ok-$version" ] && exit 0

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    skip "the prebuilt libllama of @node-llama-cpp/linux-x64 is for x86-64 Linux only"
command -v npm >/dev/null 2>&1 || skip "npm is not available (apt-get install npm)"
command -v git >/dev/null 2>&1 || skip "git is not available (it reads llama.cpp's git bundle)"
command -v tar >/dev/null 2>&1 || skip "tar is not available"

rm -rf "${dir:?}/dl" "${dir:?}/include" "${dir:?}/lib" "${dir:?}"/ok-*
mkdir -p "$dir/dl" || exit 1
log="$dir/dl/npm.log"
echo "test-llama: npm pack node-llama-cpp@$version @node-llama-cpp/linux-x64@$version"
if ! (cd "$dir/dl" && npm pack --silent "node-llama-cpp@$version" \
    "@node-llama-cpp/linux-x64@$version") >"$log" 2>&1; then
    tail -5 "$log" | sed 's/^/    /'
    skip "npm pack failed (registry unreachable?), see $log"
fi
src_tgz="$dir/dl/node-llama-cpp-$version.tgz"
bin_tgz="$dir/dl/node-llama-cpp-linux-x64-$version.tgz"
if [ ! -f "$src_tgz" ] || [ ! -f "$bin_tgz" ]; then
    skip "npm pack did not produce the two archives"
fi

mkdir -p "$dir/dl/src" "$dir/dl/bin" "$dir/include" "$dir/lib"
tar -xzf "$src_tgz" -C "$dir/dl/src" package/llama/gitRelease.bundle \
    package/llama/llama.cpp.info.json ||
    { echo "test-llama: node-llama-cpp@$version has no llama/gitRelease.bundle"; exit 1; }
tar -xzf "$bin_tgz" -C "$dir/dl/bin" || exit 1

# The header from the bundle: a bare clone, then only the files needed.
bundle="$dir/dl/src/package/llama/gitRelease.bundle"
git clone --quiet --bare "$bundle" "$dir/dl/llama.git" 2>"$dir/dl/git.log" ||
    { cat "$dir/dl/git.log"; exit 1; }
git --git-dir="$dir/dl/llama.git" archive --format=tar HEAD include/llama.h ggml/include \
    >"$dir/dl/h.tar" || exit 1
tar -xf "$dir/dl/h.tar" -C "$dir/dl" || exit 1
cp "$dir/dl/include/llama.h" "$dir/dl/ggml/include/"*.h "$dir/include/" || exit 1

# Both packages must come from the same llama.cpp release, else llama.h may not describe the
# library (struct llama_sampler_i is read by the library through our pointer).
tag=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$dir/dl/src/package/llama/llama.cpp.info.json")
bins="$dir/dl/bin/package/bins/linux-x64"
rel=$(sed -n 's/.*"release": *"\([^"]*\)".*/\1/p' "$bins/_nlcBuildMetadata.json")
if [ -z "$tag" ] || [ "$tag" != "$rel" ]; then
    echo "test-llama: header release '$tag' and library release '$rel' differ"
    exit 1
fi

cp "$bins/"*.so "$dir/lib/" || exit 1
(
    cd "$dir/lib" || exit 1
    for f in libllama.v*.so libggml.v*.so; do
        [ -f "$f" ] && ln -sf "$f" "$(echo "$f" | sed 's/\.v[0-9.]*\.so$/.so/')"
    done
    [ -f libllama.so ] && [ -f libggml.so ] && [ -f libggml-base.so ]
) || { echo "test-llama: no libllama/libggml in @node-llama-cpp/linux-x64@$version"; exit 1; }
echo "$tag" >"$dir/release"
rm -rf "$dir/dl/llama.git" "$dir/dl/src" "$dir/dl/bin" "$dir/dl/h.tar" "$dir/dl/include" \
    "$dir/dl/ggml"
echo "test-llama: llama.cpp $tag (node-llama-cpp $version) in $dir"
touch "$dir/ok-$version"
