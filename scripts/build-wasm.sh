#!/usr/bin/env bash
# Builds src/engine/codecs/wasm/codecs.wasm: libjpeg-turbo (decode with shrink-on-load,
# encode, and strip-wise transcoding to JPEG or WebP), libwebp's lossy encoder and its decoder (scaled while decoding), and our Lanczos-3 resampler (wasm/shim/) as
# one WebAssembly module with no imports. No threads; WASM SIMD on.
#
# Sources come from Debian bookworm's source packages, checked against the
# checksums below. libwebp's SSE2 code is compiled to WASM SIMD through
# Emscripten's SSE-to-WASM-SIMD headers (system/include/compat/*mmintrin.h),
# taken from Debian's emscripten package (headers only; nothing else of it is
# used), as Emscripten builds of libwebp do. The upstream .orig tarballs are used as released (Debian's
# patches only touch its own packaging, SIMD start-up and man pages).
#
# Toolchain (Debian bookworm): apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
# and a deb-src line for bookworm main (for `apt-get source`).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${WASM_BUILD_DIR:-$root/build/wasm}"
out="$root/src/engine/codecs/wasm/codecs.wasm"

JPEG_PKG=libjpeg-turbo JPEG_EPOCH=1: JPEG_VER=2.1.5-2 JPEG_UP=2.1.5
JPEG_DSC_SHA=d718ead0dfbcbc8523665c02a7f7152e31039ded641d022868722623bb3b486d
JPEG_ORIG_SHA=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c
WEBP_PKG=libwebp WEBP_EPOCH= WEBP_VER=1.2.4-0.2+deb12u1 WEBP_UP=1.2.4
WEBP_DSC_SHA=d9ed0b59e2010f255c28d0869fd15b31f9b08aed757bfc91862d43aa9ec1aa99
WEBP_ORIG_SHA=7bf5a8a28cc69bcfa8cb214f2c3095703c6b73ac5fba4d5480c205331d9494df
# --- colour management (issue 17): Little CMS, and libvips's fallback CMYK profile ---
LCMS_PKG=lcms2 LCMS_EPOCH= LCMS_VER=2.14-2+deb12u1 LCMS_UP=2.14
LCMS_DSC_SHA=8328883a2b25ac3017bdacd1b1b1b60a3ae1f1e68a7e92d94b03060274cd10c5
LCMS_ORIG_SHA=28474ea6f6591c4d4cee972123587001a4e6e353412a41b3e9e82219818d5740
VIPS_PKG=vips VIPS_EPOCH= VIPS_VER=8.14.1-3+deb12u3 VIPS_UP=8.14.1
VIPS_DSC_SHA=d7daff8b30d58c553b9130a7a7ebdcef73d095cb7b0fc082fd12afa385f2798f
VIPS_ORIG_SHA=a4a6b282216f7522b42ebb5cd64cfd82a0d1a632033e9c0502f021e945fed641
CMYK_ICM_SHA=156e7c14f244cfc4ed83a755ca4803d80e15dd249b40fae82cb127d3902e15c7
CMYK_LINK_GRID=11
# --- end colour management ---
EMSDK_VER=3.1.6~dfsg-5
EMSDK_DEB_SHA=43742f32443a7a5510f6c5d1d2603f07c0ff555b3464f2438ab7ba7fdc85c8fd

CC="${CC:-clang-19}"
LD="${WASM_LD:-wasm-ld-19}"
SYSROOT_INC=/usr/include/wasm32-wasi
SYSROOT_LIB=/usr/lib/wasm32-wasi
BUILTINS=/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a
for tool in "$CC" "$LD"; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install clang-19 lld-19" >&2; exit 1; }
done
[ -f "$SYSROOT_LIB/libc.a" ] || { echo "missing wasi-libc: apt-get install wasi-libc" >&2; exit 1; }
[ -f "$BUILTINS" ] || { echo "missing builtins: apt-get install libclang-rt-19-dev-wasm32" >&2; exit 1; }

mkdir -p "$work"
cd "$work"
fetch() { # package, epoch, Debian version, .dsc sha256, upstream version, .orig sha256
  local pkg="$1" epoch="$2"; shift 2; set -- "$pkg" "$@"
  local dsc="$1_$2.dsc" orig="$1_$4.orig.tar.gz"
  if [ ! -f "$dsc" ] || [ ! -f "$orig" ]; then apt-get source --download-only "$1=$epoch$2"; fi
  echo "$3  $dsc" | sha256sum -c --quiet
  echo "$5  $orig" | sha256sum -c --quiet
  rm -rf "$1-$4" && tar xzf "$orig"
}
fetch "$JPEG_PKG" "$JPEG_EPOCH" "$JPEG_VER" "$JPEG_DSC_SHA" "$JPEG_UP" "$JPEG_ORIG_SHA"
fetch "$WEBP_PKG" "$WEBP_EPOCH" "$WEBP_VER" "$WEBP_DSC_SHA" "$WEBP_UP" "$WEBP_ORIG_SHA"

emdeb="emscripten_${EMSDK_VER}_all.deb"
[ -f "$emdeb" ] || apt-get download "emscripten=$EMSDK_VER"
echo "$EMSDK_DEB_SHA  $emdeb" | sha256sum -c --quiet
rm -rf emscripten && mkdir emscripten && dpkg-deb --fsys-tarfile "$emdeb" |
  tar x -C emscripten --wildcards './usr/share/emscripten/system/include/compat/*mmintrin.h'
compat="$work/emscripten/usr/share/emscripten/system/include/compat"

jpeg="$work/libjpeg-turbo-$JPEG_UP"
webp="$work/libwebp-$WEBP_UP"
sed -e 's/@COPYRIGHT_YEAR@/1991-2023/' "$jpeg/jversion.h.in" > "$jpeg/jversion.h"
cp "$root/wasm/config/jconfig.h" "$root/wasm/config/jconfigint.h" "$jpeg/"
# Our one change to libjpeg-turbo: WASM has 64-bit registers behind 32-bit
# pointers, like the x32 ABI, so the Huffman coders get x32's 64-bit bit buffer.
sed -i 's/defined(__x86_64__) && defined(__ILP32__)/(defined(__x86_64__) \&\& defined(__ILP32__)) || defined(__wasm__)/' \
  "$jpeg/jdhuff.h" "$jpeg/jdhuff.c" "$jpeg/jchuff.c"
# --- progressive thumbnails (issue 17) ---
# A scaled decode of a multi-scan (progressive) file keeps per block only the
# coefficients the scaled inverse DCT uses (1/8: DC, 1/4: 2x2, 1/2: 4x4) and a
# nonzero bitmap of the others for AC refinement scans, instead of every
# coefficient of the image (wasm/patches/jdcoefct-compact.patch).
patch -s -p1 -d "$jpeg" < "$root/wasm/patches/jdcoefct-compact.patch"
# --- end progressive thumbnails ---

CFLAGS=(--target=wasm32-wasi -isystem "$SYSROOT_INC" -O3 -msimd128 -mbulk-memory -mnontrapping-fptoint
  -ffunction-sections -fdata-sections -DNDEBUG -DNO_GETENV -w)
JPEG_SOURCES=(jcapimin jcapistd jccoefct jccolor jcdctmgr jchuff jcicc jcinit jcmainct jcmarker
  jcmaster jcomapi jcparam jcphuff jcprepct jcsample jctrans jdapimin jdapistd jdatadst jdatasrc
  jdcoefct jdcolor jddctmgr jdhuff jdicc jdinput jdmainct jdmarker jdmaster jdmerge jdphuff
  jdpostct jdsample jdtrans jerror jfdctflt jfdctfst jfdctint jidctflt jidctfst jidctint jidctred
  jquant1 jquant2 jutils jmemmgr jmemnobs jaricom jcarith jdarith)

mkdir -p obj && rm -f obj/*.o
pids=()
compile() { "$CC" "${CFLAGS[@]}" "$@"; }
throttle() { if [ "${#pids[@]}" -ge 4 ]; then for p in "${pids[@]}"; do wait "$p"; done; pids=(); fi; }
for s in "${JPEG_SOURCES[@]}"; do
  compile -I"$jpeg" -include errno.h -c "$jpeg/$s.c" -o "obj/jpeg_$s.o" & pids+=($!)
  throttle
done
for f in "$webp"/src/enc/*.c "$webp"/src/dec/*.c "$webp"/src/dsp/*.c "$webp"/src/utils/*.c "$webp"/sharpyuv/*.c; do
  name="$(basename "$(dirname "$f")")_$(basename "$f" .c)"
  compile -DEMSCRIPTEN -D__SSE__ -D__SSE2__ -DWEBP_HAVE_SSE2 -I"$compat" -I"$webp" -I"$webp/src" -c "$f" -o "obj/webp_$name.o" & pids+=($!)
  throttle
done
for p in "${pids[@]}"; do wait "$p"; done

# --- colour management (issue 17) ---
# lcms2 compiled into the module; the CMYK profile libvips (so sharp) falls
# back to ("Chemical proof", public domain, libvips/colour/profiles/cmyk.icm
# of Debian's vips source) is turned into a small CMYK -> sRGB device link by
# wasm/tools/cmyk_link.c, built and run natively with the same lcms2 sources.
pids=()
fetch "$LCMS_PKG" "$LCMS_EPOCH" "$LCMS_VER" "$LCMS_DSC_SHA" "$LCMS_UP" "$LCMS_ORIG_SHA"
lcms="$work/lcms2-$LCMS_UP"
vips_orig="${VIPS_PKG}_$VIPS_UP.orig.tar.gz"
[ -f "$vips_orig" ] || apt-get source --download-only "$VIPS_PKG=$VIPS_EPOCH$VIPS_VER"
echo "$VIPS_DSC_SHA  ${VIPS_PKG}_$VIPS_VER.dsc" | sha256sum -c --quiet
echo "$VIPS_ORIG_SHA  $vips_orig" | sha256sum -c --quiet
tar xzf "$vips_orig" --strip-components=4 "libvips-$VIPS_UP/libvips/colour/profiles/cmyk.icm"
echo "$CMYK_ICM_SHA  cmyk.icm" | sha256sum -c --quiet
HOST_CC="${HOST_CC:-clang-19}"
rm -rf host gen && mkdir -p host gen
for f in "$lcms"/src/*.c; do
  "$HOST_CC" -O2 -w -I"$lcms/include" -c "$f" -o "host/$(basename "$f" .c).o" & pids+=($!)
  throttle
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
"$HOST_CC" -O2 -I"$lcms/include" "$root/wasm/tools/cmyk_link.c" host/*.o -lm -o host/cmyk_link
host/cmyk_link cmyk.icm "$CMYK_LINK_GRID" > gen/cmyk_link.h
for f in "$lcms"/src/*.c; do
  compile -DCMS_NO_PTHREADS=1 -I"$lcms/include" -c "$f" -o "obj/lcms_$(basename "$f" .c).o" & pids+=($!)
  throttle
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
compile -DCMS_NO_PTHREADS=1 -I"$jpeg" -I"$lcms/include" -I"$work/gen" -c "$root/wasm/shim/colour.c" -o obj/shim_colour.o
compile -DCMS_NO_PTHREADS=1 -I"$lcms/include" -c "$root/wasm/shim/colour_rows.c" -o obj/shim_colour_rows.o
# --- end colour management ---

# --- PNG decode (issue 17): zlib's inflate and our PNG row reader (wasm/shim/png_rows.c) ---
ZLIB_PKG=zlib ZLIB_EPOCH=1: ZLIB_VER=1.2.13.dfsg-1 ZLIB_UP=1.2.13.dfsg
ZLIB_DSC_SHA=3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8
ZLIB_ORIG_SHA=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
zlib_orig="${ZLIB_PKG}_$ZLIB_UP.orig.tar.bz2"
[ -f "$zlib_orig" ] || apt-get source --download-only "$ZLIB_PKG=$ZLIB_EPOCH$ZLIB_VER"
echo "$ZLIB_DSC_SHA  ${ZLIB_PKG}_$ZLIB_VER.dsc" | sha256sum -c --quiet
echo "$ZLIB_ORIG_SHA  $zlib_orig" | sha256sum -c --quiet
rm -rf "zlib-$ZLIB_UP" && tar xjf "$zlib_orig"
zlib="$work/zlib-$ZLIB_UP"
for s in adler32 crc32 inffast inflate inftrees zutil; do compile -I"$zlib" -c "$zlib/$s.c" -o "obj/zlib_$s.o"; done
compile -I"$zlib" -c "$root/wasm/shim/png_rows.c" -o obj/shim_png_rows.o
# PNG encode (issue 17): zlib's deflate and our PNG row encoder (wasm/shim/png_encode.c).
for s in deflate trees; do compile -I"$zlib" -c "$zlib/$s.c" -o "obj/zlib_$s.o"; done
compile -I"$zlib" -c "$root/wasm/shim/png_encode.c" -o obj/shim_png_encode.o
# --- end PNG decode ---
# libjpeg-turbo's SIMD hooks in WASM SIMD128 (instead of its jsimd_none.c), bit-exact with its C.
compile -I"$jpeg" -include errno.h -c "$root/wasm/shim/jsimd_wasm.c" -o obj/jpeg_jsimd_wasm.o
compile -I"$jpeg" -c "$root/wasm/shim/jpeg.c" -o obj/shim_jpeg.o
compile -I"$webp/src" -c "$root/wasm/shim/webp.c" -o obj/shim_webp.o
compile -I"$jpeg" -I"$webp/src" -c "$root/wasm/shim/transcode.c" -o obj/shim_transcode.o
compile -I"$webp/src" -c "$root/wasm/shim/webp_decode.c" -o obj/shim_webp_decode.o
compile -c "$root/wasm/shim/resize.c" -o obj/shim_resize.o
compile -c "$root/wasm/shim/fail.c" -o obj/shim_fail.o
compile -I"$jpeg" -c "$root/wasm/shim/jpeg_rows_decode.c" -o obj/shim_jpeg_rows_decode.o
compile -I"$webp/src" -c "$root/wasm/shim/webp_rows_encode.c" -o obj/shim_webp_rows_encode.o
compile -I"$webp" -I"$webp/src" -c "$root/wasm/shim/webp_rows_decode.c" -o obj/shim_webp_rows_decode.o

"$LD" --no-entry --gc-sections --strip-all -z stack-size=1048576 --initial-memory=2097152 \
  --max-memory=1073741824 obj/*.o -L"$SYSROOT_LIB" -lc -lm "$BUILTINS" -o "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "built $out ($(wc -c < "$out") bytes)"
cat "$out.sha256"

# --- HEIC (issue 17): heif.wasm is a separate module (libde265 + libjpeg-turbo's encoder), built by its own script. ---
bash "$root/scripts/build-heif-wasm.sh"
