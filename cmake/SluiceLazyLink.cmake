# Lazy binding of large shared libraries.
#
# Every sluice command used to pay for loading libgit2 and libarchive with their dependency trees
# (Kerberos, mbedTLS, libssh2, OpenSSL, libxml2, ICU...): 7 of the 10 ms a command such as
# `sluice license detect` spent before reading its first file, on every start. A lazily bound
# library is not a link dependency of the executable. Instead each of its exported functions gets
# a stub that jumps through a table; a table entry starts out pointing at a resolver that loads
# the library with dlopen on the first call of any of its functions, looks the function up, stores
# it, and continues into it with the caller's registers intact. Commands that never call into the
# library never load it; those that do pay one dlopen and one dlsym per function they use.
#
# sluice_lazy_library(NAME PKG_TARGET LIBRARY_FILE) defines the target `sluice_lazy_NAME`: link it
# instead of PKG_TARGET (it carries PKG_TARGET's include directories and compile options). With
# SLUICE_LAZY_LIBRARIES=OFF, or off x86-64 Linux, it is PKG_TARGET itself.

option(SLUICE_LAZY_LIBRARIES "Load libgit2 and libarchive on first use instead of at every start" ON)

set(SLUICE_LAZY_SUPPORTED OFF)
if(SLUICE_LAZY_LIBRARIES AND CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$")
  find_program(SLUICE_NM NAMES nm)
  find_program(SLUICE_READELF NAMES readelf)
  if(SLUICE_NM AND SLUICE_READELF)
    set(SLUICE_LAZY_SUPPORTED ON)
    add_library(sluice_lazy_bind STATIC "${CMAKE_CURRENT_LIST_DIR}/lazy_bind.cpp")
    sluice_target_defaults(sluice_lazy_bind)
    target_link_libraries(sluice_lazy_bind PUBLIC ${CMAKE_DL_LIBS})
  endif()
endif()

# The shared object file behind an imported pkg-config target (its first *.so link item).
function(sluice_shared_object_of pkg_prefix out)
  foreach(item ${${pkg_prefix}_LINK_LIBRARIES})
    if(item MATCHES "\\.so$")
      set(${out} "${item}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

# DATA: the library also exports data tables that inline code of its headers reads (simdjson's
# number and character tables). Each gets a placeholder of its size here, filled with the
# library's own bytes when it loads; so code must load it (sluice_lazy_load_NAME()) before any
# such read that no call into the library precedes.
function(sluice_lazy_library name pkg_target pkg_prefix)
  cmake_parse_arguments(LAZY "DATA" "" "" ${ARGN})
  set(target sluice_lazy_${name})
  sluice_shared_object_of(${pkg_prefix} library)
  if(NOT SLUICE_LAZY_SUPPORTED OR library STREQUAL "")
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE ${pkg_target})
    return()
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${library}")
  # The name dlopen must ask for is the SONAME the linker would have recorded.
  execute_process(COMMAND "${SLUICE_READELF}" -d "${library}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE status)
  string(REGEX MATCH "Library soname: \\[([^]]+)\\]" _ "${dynamic}")
  set(soname "${CMAKE_MATCH_1}")
  # Exported functions only (type T): a data symbol cannot be reached through a stub, and using one
  # fails at link time rather than at run time.
  execute_process(COMMAND "${SLUICE_NM}" -D --defined-only --format=posix -S "${library}"
                  OUTPUT_VARIABLE symbols RESULT_VARIABLE nm_status)
  if(NOT status EQUAL 0 OR NOT nm_status EQUAL 0 OR soname STREQUAL "")
    message(FATAL_ERROR "cannot read the soname and symbols of ${library}")
  endif()
  string(REGEX MATCHALL "(^|\n)[A-Za-z_][A-Za-z0-9_]* T " lines "${symbols}")
  set(functions "")
  foreach(line ${lines})
    string(REGEX REPLACE "^\n?([A-Za-z0-9_]+) T $" "\\1" function "${line}")
    list(APPEND functions "${function}")
  endforeach()
  list(REMOVE_DUPLICATES functions)
  list(LENGTH functions count)
  # Data objects (D, R, B) with their sizes: "name type value size".
  set(data_names "")
  set(data_places "")
  set(data_sizes "")
  set(data_strings "")
  set(data_objects "")
  set(data_count 0)
  if(LAZY_DATA)
    string(REGEX MATCHALL "(^|\n)[A-Za-z_][A-Za-z0-9_]* [DRB] [0-9a-f]+ [0-9a-f]+" lines "${symbols}")
    foreach(line ${lines})
      string(REGEX REPLACE "^\n?([A-Za-z0-9_]+) [DRB] [0-9a-f]+ ([0-9a-f]+)$" "\\1;\\2" fields "${line}")
      list(GET fields 0 object)
      list(GET fields 1 hex_size)
      math(EXPR size "0x${hex_size}")
      string(APPEND data_strings ".L${p}_data_name_${data_count}: .asciz \"${object}\"\n")
      string(APPEND data_names "  .quad .L${p}_data_name_${data_count}\n")
      string(APPEND data_places "  .quad ${object}\n")
      string(APPEND data_sizes "  .quad ${size}\n")
      string(APPEND data_objects "  .globl ${object}\n  .hidden ${object}\n  .type ${object}, @object\n  .p2align 6\n"
                                 "${object}:\n  .zero ${size}\n  .size ${object}, ${size}\n")
      math(EXPR data_count "${data_count} + 1")
    endforeach()
  endif()

  # One assembly block: the descriptor the resolver reads, the names, the table, and per function
  # a stub (jump through its entry) and a first-call path (entry index in r11, which no argument
  # uses, then the shared resolver). The names are reached by 32-bit offsets from the first one,
  # which the assembler computes: unlike the table's entries, which must hold addresses, a pointer
  # per name would be one more relocation for the dynamic loader to write at every start (1,700
  # for the libraries sluice binds so).
  set(p "sluice_lazy_${name}")
  set(table "")
  set(names "")
  set(strings "")
  set(stubs "")
  set(index 0)
  foreach(function ${functions})
    math(EXPR offset "${index} * 8")
    string(APPEND table "  .quad .L${p}_first_${index}\n")
    string(APPEND names "  .long .L${p}_name_${index} - .L${p}_names\n")
    string(APPEND strings ".L${p}_name_${index}: .asciz \"${function}\"\n")
    string(APPEND stubs "  .globl ${function}\n  .hidden ${function}\n  .type ${function}, @function\n  .p2align 4\n"
                        "${function}:\n  jmp *${p}_table+${offset}(%rip)\n"
                        ".L${p}_first_${index}:\n  movl $${index}, %r11d\n  jmp .L${p}_resolve\n"
                        "  .size ${function}, .-${function}\n")
    math(EXPR index "${index} + 1")
  endforeach()
  set(source "${CMAKE_CURRENT_BINARY_DIR}/${p}.cpp")
  set(content "// Generated by cmake/SluiceLazyLink.cmake from ${library}: do not edit.
// ${count} functions and ${data_count} data tables of ${soname}, bound on first call (see cmake/lazy_bind.cpp).
// Every block restores the compiler's section (push/pop): it emits more after this asm.
asm(R\"ASM(
  .pushsection .rodata
.L${p}_names:
${strings}
  .p2align 2
.L${p}_name_offsets:
${names}
${data_strings}
  .popsection
  .pushsection .data
  .p2align 3
${p}_table:
${table}
.L${p}_data_names:
${data_names}
.L${p}_data_places:
${data_places}
.L${p}_data_sizes:
${data_sizes}
.L${p}_soname: .asciz \"${soname}\"
  .p2align 3
.L${p}_library:
  .quad .L${p}_soname, .L${p}_names, .L${p}_name_offsets, ${p}_table, 0
  .quad ${data_count}, .L${p}_data_names, .L${p}_data_places, .L${p}_data_sizes
${data_objects}
  .popsection
  .pushsection .text
  .globl sluice_lazy_load_${name}
  .hidden sluice_lazy_load_${name}
  .type sluice_lazy_load_${name}, @function
  .p2align 4
sluice_lazy_load_${name}:
  leaq .L${p}_library(%rip), %rdi
  jmp sluice_lazy_load@PLT
  .size sluice_lazy_load_${name}, .-sluice_lazy_load_${name}
${stubs}
  .p2align 4
.L${p}_resolve:
  pushq %rbp
  movq %rsp, %rbp
  subq $192, %rsp
  andq $-16, %rsp
  movq %rdi, 0(%rsp)
  movq %rsi, 8(%rsp)
  movq %rdx, 16(%rsp)
  movq %rcx, 24(%rsp)
  movq %r8, 32(%rsp)
  movq %r9, 40(%rsp)
  movq %rax, 48(%rsp)
  movdqa %xmm0, 64(%rsp)
  movdqa %xmm1, 80(%rsp)
  movdqa %xmm2, 96(%rsp)
  movdqa %xmm3, 112(%rsp)
  movdqa %xmm4, 128(%rsp)
  movdqa %xmm5, 144(%rsp)
  movdqa %xmm6, 160(%rsp)
  movdqa %xmm7, 176(%rsp)
  leaq .L${p}_library(%rip), %rdi
  movl %r11d, %esi
  call sluice_lazy_bind@PLT
  movq %rax, %r11
  movq 0(%rsp), %rdi
  movq 8(%rsp), %rsi
  movq 16(%rsp), %rdx
  movq 24(%rsp), %rcx
  movq 32(%rsp), %r8
  movq 40(%rsp), %r9
  movq 48(%rsp), %rax
  movdqa 64(%rsp), %xmm0
  movdqa 80(%rsp), %xmm1
  movdqa 96(%rsp), %xmm2
  movdqa 112(%rsp), %xmm3
  movdqa 128(%rsp), %xmm4
  movdqa 144(%rsp), %xmm5
  movdqa 160(%rsp), %xmm6
  movdqa 176(%rsp), %xmm7
  movq %rbp, %rsp
  popq %rbp
  jmp *%r11
  .popsection
)ASM\");
")
  file(CONFIGURE OUTPUT "${source}" CONTENT "${content}" @ONLY)
  add_library(${target} STATIC "${source}")
  target_link_libraries(${target} PUBLIC sluice_lazy_bind)
  get_target_property(includes ${pkg_target} INTERFACE_INCLUDE_DIRECTORIES)
  if(includes)
    target_include_directories(${target} SYSTEM INTERFACE ${includes})
  endif()
  get_target_property(options ${pkg_target} INTERFACE_COMPILE_OPTIONS)
  if(options)
    target_compile_options(${target} INTERFACE ${options})
  endif()
endfunction()
