#!/usr/bin/env bash
# Prepares, on the build machine, what .gpu/check.sh needs on a GPU machine that has no JDK and no network:
#   .gpu/bundle/java     a jlink-ed Java runtime (java.base, java.logging, jdk.incubator.vector, jdk.unsupported,
#                        java.management, java.xml)
#   .gpu/bundle/lib      the library's jars without ND4J (layer, cuda, JNA, SLF4J)
#   .gpu/bundle/python   the peer's pure-Python packages: torchode with torchtyping and typeguard 2.x, copied as
#                        benchmark data (never part of the library)
# and checks that it fits in 64 MiB and that the bundled runtime runs the check's CPU parts.
#
# Usage: .gpu/make-bundle.sh [--jdk DIR] --torchode SRC --torchtyping SRC --typeguard SRC
#   SRC is a package directory (holding __init__.py) or GITDIR@REV:PATH, a path inside a commit of a git
#   repository (e.g. /work/.mirror/agronholm+typeguard/repo@2.13.3:src/typeguard).
#   --jdk defaults to a Temurin JDK under /usr/lib/jvm when there is one (its runtime needs glibc 2.17 only),
#   else to the JDK of `java` on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bundle="$root/.gpu/bundle"
jdk=""
declare -A src=()
while [ $# -gt 0 ]; do
    case "$1" in
        --jdk) jdk="$2"; shift 2 ;;
        --torchode|--torchtyping|--typeguard) src[${1#--}]="$2"; shift 2 ;;
        *) echo "error: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done
for p in torchode torchtyping typeguard; do
    if [ -z "${src[$p]:-}" ]; then
        echo "error: --$p SRC is required (see the header of $0)" >&2
        exit 2
    fi
done
if [ -z "$jdk" ]; then
    jdk=$(ls -d /usr/lib/jvm/temurin-*-jdk-* 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$jdk" ] || jdk=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
[ -x "$jdk/bin/jlink" ] || { echo "error: no jlink in $jdk/bin (give --jdk DIR)" >&2; exit 2; }

echo "== building the jars"
mvn -B -o -q -pl dl4j-connectome-cuda -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/python"
cp dl4j-connectome-layer/target/dl4j-connectome-layer-*-SNAPSHOT.jar "$bundle/lib/"
cp dl4j-connectome-cuda/target/dl4j-connectome-cuda-*-SNAPSHOT.jar "$bundle/lib/"
rm -f "$bundle"/lib/*-sources.jar "$bundle"/lib/*-javadoc.jar "$bundle"/lib/*-tests.jar
jna=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' pom.xml)
slf4j=$(sed -n 's:.*<slf4j.version>\(.*\)</slf4j.version>.*:\1:p' pom.xml)
for a in "net.java.dev.jna:jna:$jna" "org.slf4j:slf4j-api:$slf4j" "org.slf4j:slf4j-simple:$slf4j"; do
    mvn -B -o -q dependency:copy -Dartifact="$a" -DoutputDirectory="$bundle/lib" -N
done
printf 'org.slf4j.simpleLogger.defaultLogLevel=info\norg.slf4j.simpleLogger.logFile=System.out\n' \
    > "$bundle/lib/simplelogger.properties"

echo "== jlink runtime from $jdk"
compress=2
"$jdk/bin/java" -version 2>&1 | grep -q 'version "1[7-9]\|version "2[0-1]' || compress=zip-9
"$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported,java.management,java.xml \
    --strip-debug --no-header-files --no-man-pages --compress="$compress" --output "$bundle/java"

echo "== peer packages"
copy_package() {
    local name=$1 spec=$2 dest="$bundle/python/$1"
    if [ -d "$spec" ]; then
        cp -r "$spec" "$dest"
    else
        local gitdir=${spec%%@*} rest=${spec#*@}
        local rev=${rest%%:*} path=${rest#*:}
        mkdir -p "$dest"
        git --git-dir="$gitdir" archive "$rev" "$path" | tar -x -C "$dest" --strip-components=$(($(tr -cd / <<<"$path" | wc -c) + 1))
        echo "$name from $gitdir at $(git --git-dir="$gitdir" rev-parse "$rev")" >> "$bundle/python/SOURCES"
    fi
    find "$dest" -name '__pycache__' -prune -exec rm -rf {} +
    [ -f "$dest/__init__.py" ] || { echo "error: $spec is not a Python package (no __init__.py)" >&2; exit 2; }
}
copy_package torchode "${src[torchode]}"
copy_package torchtyping "${src[torchtyping]}"
copy_package typeguard "${src[typeguard]}"

echo "== checks"
{
    echo "made $(date -u +%FT%TZ) from $(git rev-parse HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
    "$bundle/java/bin/java" -version 2>&1 | head -1
    echo "glibc needed by the runtime: $(for f in "$bundle"/java/bin/java "$bundle"/java/lib/server/libjvm.so "$bundle"/java/lib/*.so; do objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*'; done | sort -Vu | tail -1)"
} > "$bundle/MANIFEST"
cat "$bundle/MANIFEST"
size=$(du -sb "$bundle" | cut -f1)
limit=$((64 * 1024 * 1024))
printf 'bundle: %.1f MiB of %d MiB\n' "$(echo "$size / 1048576" | bc -l)" 64
[ "$size" -le "$limit" ] || { echo "error: the bundle is larger than 64 MiB" >&2; exit 1; }
tmp=$(mktemp -d)
"$bundle/java/bin/java" --add-modules jdk.incubator.vector -cp "$bundle/lib/*:$bundle/lib" \
    org.dl4jconnectome.cuda.GpuCheck --out "$tmp" --no-gpu --skip-tutorial --small-neurons 60 > "$tmp/log.txt"
tail -1 "$tmp/log.txt"
rm -rf "$tmp"
echo "bundle ready in $bundle"
