#!/usr/bin/env bash
# Builds src/engine/codecs/wasm/heif.wasm: libde265 (the HEVC decoder HEIC
# images are coded with), libjpeg-turbo's encoder (full-size HEIC to JPEG in
# strips) and our shim (wasm/heif/hevc.c: a coded picture to RGBA rows;
# wasm/heif/jpeg_rows.c: RGBA rows to JPEG) as one WebAssembly module with no imports but the WASI stubs the
# runtime answers. The HEIF container (items, grid, irot/imir) is parsed in
# TypeScript (src/engine/heif-container.ts), so libheif is not needed.
# Separate from codecs.wasm so each module can be rebuilt on its own; called
# by scripts/build-wasm.sh.
#
# Sources: Debian bookworm's libde265 source package (with Debian's patches,
# which are security fixes: CVE-2023-27102, -27103, -43887, -47471, -49465,
# -49467, -49468), checked against the checksums below and unpacked with
# dpkg-source. Our changes, both for a module without threads: a no-op
# pthread.h (wasm/heif/pthread.h; libde265 runs with zero worker threads) and
# de265.cc's std::mutex replaced by a no-op lock (libc++ for WASI has none);
# an empty signal.h (wasm/heif/signal.h) for two unused includes (WASI has no signals).
#
# Toolchain (Debian bookworm): apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
# libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 dpkg-dev, and a deb-src line for bookworm main.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${WASM_BUILD_DIR:-$root/build/wasm}/heif"
out="$root/src/engine/codecs/wasm/heif.wasm"

DE265_VER=1.0.11-1+deb12u2 DE265_UP=1.0.11
DE265_DSC_SHA=3f42b562a89db54867cbc7f101b73fc581ac9a0b397637c61d9f41e8bbf13332
DE265_ORIG_SHA=2f8f12cabbdb15e53532b7c1eb964d4e15d444db1be802505e6ac97a25035bab
DE265_DEBIAN_SHA=81de2919da09690f2fb80383fcc68cda397bfed878a010061627f7794e278f4b
# The same libjpeg-turbo as codecs.wasm (scripts/build-wasm.sh), its encoder only.
JPEG_VER=2.1.5-2 JPEG_UP=2.1.5
JPEG_DSC_SHA=d718ead0dfbcbc8523665c02a7f7152e31039ded641d022868722623bb3b486d
JPEG_ORIG_SHA=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c

CC="${CC:-clang-19}"
LD="${WASM_LD:-wasm-ld-19}"
SYSROOT_INC=/usr/include/wasm32-wasi
SYSROOT_LIB=/usr/lib/wasm32-wasi
BUILTINS=/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a
for tool in "$CC" "$LD" dpkg-source; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install clang-19 lld-19 dpkg-dev" >&2; exit 1; }
done
[ -f "$SYSROOT_LIB/libc++.a" ] || { echo "missing libc++: apt-get install libc++-19-dev-wasm32 libc++abi-19-dev-wasm32" >&2; exit 1; }
[ -f "$BUILTINS" ] || { echo "missing builtins: apt-get install libclang-rt-19-dev-wasm32" >&2; exit 1; }

mkdir -p "$work"
cd "$work"
dsc="libde265_$DE265_VER.dsc"
[ -f "$dsc" ] || apt-get source --download-only "libde265=$DE265_VER"
echo "$DE265_DSC_SHA  $dsc" | sha256sum -c --quiet
echo "$DE265_ORIG_SHA  libde265_$DE265_UP.orig.tar.gz" | sha256sum -c --quiet
echo "$DE265_DEBIAN_SHA  libde265_$DE265_VER.debian.tar.xz" | sha256sum -c --quiet
src="$work/libde265-$DE265_UP"
rm -rf "$src" && dpkg-source --no-check -x "$dsc" "$src" >/dev/null
sed -i 's/std::mutex/single_thread_mutex/g' "$src/libde265/de265.cc"

jdsc="libjpeg-turbo_$JPEG_VER.dsc" jorig="libjpeg-turbo_$JPEG_UP.orig.tar.gz"
[ -f "$jdsc" ] && [ -f "$jorig" ] || apt-get source --download-only "libjpeg-turbo=1:$JPEG_VER"
echo "$JPEG_DSC_SHA  $jdsc" | sha256sum -c --quiet
echo "$JPEG_ORIG_SHA  $jorig" | sha256sum -c --quiet
jpeg="$work/libjpeg-turbo-$JPEG_UP"
rm -rf "$jpeg" && tar xzf "$jorig"
sed -e 's/@COPYRIGHT_YEAR@/1991-2023/' "$jpeg/jversion.h.in" > "$jpeg/jversion.h"
cp "$root/wasm/config/jconfig.h" "$root/wasm/config/jconfigint.h" "$jpeg/"
# As in build-wasm.sh: the Huffman encoder gets x32's 64-bit bit buffer (WASM has 64-bit registers behind 32-bit pointers).
sed -i 's/defined(__x86_64__) && defined(__ILP32__)/(defined(__x86_64__) \&\& defined(__ILP32__)) || defined(__wasm__)/' "$jpeg/jchuff.c"
JPEG_SOURCES=(jcapimin jcapistd jccoefct jccolor jcdctmgr jchuff jcicc jcinit jcmainct jcmarker jcmaster jcomapi
  jcparam jcphuff jcprepct jcsample jdatadst jerror jfdctflt jfdctfst jfdctint jmemmgr jmemnobs jutils jaricom jcarith jsimd_none)

# The decoder's sources (the encoder, its option parser and the image-file helpers are left out).
SOURCES=(alloc_pool bitstream cabac contextmodel de265 deblock decctx dpb fallback-dct fallback-motion fallback
  image intrapred md5 motion nal-parser nal pps refpic sao scan sei slice sps threads transform util vps vui)
CXXFLAGS=(--target=wasm32-wasi -isystem "$SYSROOT_INC/c++/v1" -isystem "$SYSROOT_INC" -std=c++17 -O3 -msimd128
  -mbulk-memory -mnontrapping-fptoint -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections -DNDEBUG -DHAVE_POSIX_MEMALIGN -w
  -I"$root/wasm/heif" -I"$src" -I"$src/libde265" -include single_thread.h)

mkdir -p obj && rm -f obj/*.o
pids=()
for s in "${SOURCES[@]}"; do
  "$CC" "${CXXFLAGS[@]}" -c "$src/libde265/$s.cc" -o "obj/de265_$s.o" & pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then for p in "${pids[@]}"; do wait "$p"; done; pids=(); fi
done
for s in "${JPEG_SOURCES[@]}"; do
  "$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -mbulk-memory -mnontrapping-fptoint -ffunction-sections \
    -fdata-sections -DNDEBUG -DNO_GETENV -w -I"$jpeg" -include errno.h -c "$jpeg/$s.c" -o "obj/jpeg_$s.o" & pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then for p in "${pids[@]}"; do wait "$p"; done; pids=(); fi
done
for p in "${pids[@]}"; do wait "$p"; done
"$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -ffunction-sections -fdata-sections -I"$src" \
  -c "$root/wasm/heif/hevc.c" -o obj/shim_hevc.o
"$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -ffunction-sections -fdata-sections -I"$jpeg" \
  -c "$root/wasm/heif/jpeg_rows.c" -o obj/shim_jpeg_rows.o
"$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -ffunction-sections -fdata-sections -I"$src" \
  -c "$root/wasm/heif/alpha.c" -o obj/shim_alpha.o
"$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -ffunction-sections -fdata-sections \
  -c "$root/wasm/heif/frame.c" -o obj/shim_frame.o
"$CC" --target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -c "$root/wasm/shim/fail.c" -o obj/shim_fail.o

"$LD" --no-entry --gc-sections --strip-all -z stack-size=1048576 --initial-memory=2097152 \
  --max-memory=1073741824 obj/*.o -L"$SYSROOT_LIB" -lc++ -lc++abi -lc -lm "$BUILTINS" -o "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "built $out ($(wc -c < "$out") bytes)"
cat "$out.sha256"
