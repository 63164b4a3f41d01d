# Every dependency is a Debian package installed by scripts/setup.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

# These libraries are loaded when a command first calls them (see SluiceLazyLink.cmake): loading
# them all cost every start about 8 ms, libgit2 and libarchive most, zstd and utf8proc 0.7 ms each.
include(SluiceLazyLink)
sluice_lazy_library(git2 PkgConfig::LIBGIT2 LIBGIT2)
sluice_lazy_library(archive PkgConfig::LIBARCHIVE LIBARCHIVE)
sluice_lazy_library(zstd PkgConfig::ZSTD ZSTD)
sluice_lazy_library(pcre2 PkgConfig::PCRE2 PCRE2)
sluice_lazy_library(utf8proc PkgConfig::UTF8PROC UTF8PROC)

if(SLUICE_WITH_TORCH)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(WARNING "LibTorch not found: building without finetune (install libtorch-dev)")
    set(SLUICE_WITH_TORCH OFF)
  endif()
endif()

# Where scripts/setup keeps pinned npm data packages (SPDX licenses, linguist data).
set(SLUICE_DATA_CACHE "$ENV{HOME}/.cache/sluice/npm" CACHE PATH "Pinned npm data packages")
