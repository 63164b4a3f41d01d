# Project-wide target settings: warnings are errors for project code, optional sanitizers.

set(SLUICE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 at -O3 reports std::string inlining as overlapping memcpy (GCC bug 105651).
  list(APPEND SLUICE_WARNINGS -Wno-restrict)
endif()

if(SLUICE_SANITIZE)
  set(SLUICE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
  add_compile_options(${SLUICE_SANITIZER_FLAGS} -O1 -g)
  add_link_options(${SLUICE_SANITIZER_FLAGS})
endif()

# simdjson's On-Demand API and our hot loops pick their SIMD kernels at compile time: without an
# -march, simdjson falls back to its scalar implementation. Builds happen on the machine that runs
# sluice (scripts/setup + scripts/build), so target x86-64-v3 (AVX2) when the build host has it.
set(SLUICE_ARCH "auto" CACHE STRING "Instruction set: auto (x86-64-v3 when the host has AVX2), native, or none")
set(SLUICE_ARCH_FLAGS "")
if(SLUICE_ARCH STREQUAL "auto")
  if(EXISTS /proc/cpuinfo)
    file(READ /proc/cpuinfo SLUICE_CPUINFO LIMIT 8192)
    if(SLUICE_CPUINFO MATCHES " avx2 " AND SLUICE_CPUINFO MATCHES " bmi2 " AND SLUICE_CPUINFO MATCHES " fma " AND SLUICE_CPUINFO MATCHES " pclmulqdq ")
      set(SLUICE_ARCH_FLAGS -march=x86-64-v3 -mpclmul)
    endif()
  endif()
elseif(SLUICE_ARCH STREQUAL "native")
  set(SLUICE_ARCH_FLAGS -march=native)
endif()

# sluice_target_defaults(TARGET): apply the project's warning policy to one of our own targets.
function(sluice_target_defaults target)
  target_compile_options(${target} PRIVATE ${SLUICE_WARNINGS} ${SLUICE_ARCH_FLAGS})
endfunction()

# sluice_library(NAME SOURCES...): a stage or core library with include/ as its public headers.
function(sluice_library name)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                     PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  sluice_target_defaults(${name})
  # In the fuzz build (scripts/fuzz) libFuzzer needs coverage from the parsers themselves, not
  # only from the fuzz target's own file.
  if(SLUICE_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()
