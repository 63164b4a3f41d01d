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
find_package(yaml-cpp REQUIRED)

# zlib, xxHash and yaml-cpp, as sluice_zlib, sluice_xxhash and sluice_yaml_cpp: an executable
# that sets SLUICE_STATIC_ARCHIVES (the sluice binary) links their static archives, because every
# shared library costs each process start its loading and symbol binding (these three: 0.4 ms of
# a 3 ms start). Everything else, shared objects such as the LibTorch module included, links the
# shared libraries: Debian's zlib and yaml-cpp archives are not position-independent.
function(sluice_archive_or_shared name shared archive)
  find_library(SLUICE_${name}_ARCHIVE NAMES ${archive})
  add_library(sluice_${name} INTERFACE)
  target_include_directories(sluice_${name} SYSTEM INTERFACE "$<TARGET_PROPERTY:${shared},INTERFACE_INCLUDE_DIRECTORIES>")
  if(SLUICE_${name}_ARCHIVE)
    target_link_libraries(sluice_${name} INTERFACE
      "$<IF:$<BOOL:$<TARGET_PROPERTY:SLUICE_STATIC_ARCHIVES>>,${SLUICE_${name}_ARCHIVE},${shared}>")
  else()
    target_link_libraries(sluice_${name} INTERFACE ${shared})
  endif()
endfunction()
sluice_archive_or_shared(zlib ZLIB::ZLIB libz.a)
sluice_archive_or_shared(xxhash PkgConfig::XXHASH libxxhash.a)
sluice_archive_or_shared(yaml_cpp yaml-cpp libyaml-cpp.a)

# These libraries are loaded when a command first calls them (see SluiceLazyLink.cmake): loading
# them all cost every start about 8 ms, libgit2 and libarchive most, zstd and utf8proc 0.7 ms each.
include(SluiceLazyLink)
sluice_lazy_library(git2 PkgConfig::LIBGIT2 LIBGIT2)
sluice_lazy_library(archive PkgConfig::LIBARCHIVE LIBARCHIVE)
sluice_lazy_library(zstd PkgConfig::ZSTD ZSTD)
sluice_lazy_library(pcre2 PkgConfig::PCRE2 PCRE2)
sluice_lazy_library(utf8proc PkgConfig::UTF8PROC UTF8PROC)
# simdjson (and the C++ runtime it needs) is loaded on first use by the sluice binary only, so
# that `license detect` starts without them (1.4 ms of a 3.6 ms start); main() loads it first for
# every other command, since simdjson's inline code reads the library's tables (see DATA).
# Everything else, tests and the LibTorch module included, links the library itself.
find_library(SLUICE_SIMDJSON_SHARED NAMES libsimdjson.so)
set(SIMDJSON_LINK_LIBRARIES "${SLUICE_SIMDJSON_SHARED}")
sluice_lazy_library(simdjson simdjson::simdjson SIMDJSON DATA)
add_library(sluice_simdjson INTERFACE)
get_target_property(SLUICE_LAZY_SIMDJSON_TYPE sluice_lazy_simdjson TYPE)
if(SLUICE_LAZY_SIMDJSON_TYPE STREQUAL "STATIC_LIBRARY")  # stubs were generated (see SluiceLazyLink.cmake)
  target_link_libraries(sluice_simdjson INTERFACE
    "$<IF:$<BOOL:$<TARGET_PROPERTY:SLUICE_LAZY_SIMDJSON>>,sluice_lazy_simdjson,simdjson::simdjson>")
  target_include_directories(sluice_simdjson SYSTEM INTERFACE "$<TARGET_PROPERTY:simdjson::simdjson,INTERFACE_INCLUDE_DIRECTORIES>")
  target_compile_definitions(sluice_simdjson INTERFACE "$<TARGET_PROPERTY:simdjson::simdjson,INTERFACE_COMPILE_DEFINITIONS>")
  set(SLUICE_LAZY_SIMDJSON ON)
else()
  target_link_libraries(sluice_simdjson INTERFACE simdjson::simdjson)
  set(SLUICE_LAZY_SIMDJSON OFF)
endif()

if(SLUICE_WITH_TORCH)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(WARNING "LibTorch not found: building without finetune (install libtorch-dev)")
    set(SLUICE_WITH_TORCH OFF)
  endif()
endif()

# Where scripts/setup keeps pinned npm data packages (SPDX licenses, linguist data).
set(SLUICE_DATA_CACHE "$ENV{HOME}/.cache/sluice/npm" CACHE PATH "Pinned npm data packages")
