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

# libgit2 and libarchive are loaded when a command first calls them (see SluiceLazyLink.cmake).
include(SluiceLazyLink)
sluice_lazy_library(git2 PkgConfig::LIBGIT2 LIBGIT2)
sluice_lazy_library(archive PkgConfig::LIBARCHIVE LIBARCHIVE)

if(SLUICE_WITH_TORCH)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(WARNING "LibTorch not found: building without finetune (install libtorch-dev)")
    set(SLUICE_WITH_TORCH OFF)
  endif()
endif()

# Where scripts/setup keeps pinned npm data packages (SPDX licenses, linguist data).
set(SLUICE_DATA_CACHE "$ENV{HOME}/.cache/sluice/npm" CACHE PATH "Pinned npm data packages")
