// The resolver behind the stubs that cmake/SluiceLazyLink.cmake generates: on the first call of
// one of a lazily bound library's functions, load the library, look the function up, and store it
// in the stub's table entry, so that later calls jump straight to it.
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <mutex>

namespace {

// Laid out by the generated assembly: nine 8-byte fields.
struct LazyLibrary {
  const char* soname;
  // Function i's name is at names + name_offsets[i] (offsets: no relocation per name).
  const char* names;
  const std::uint32_t* name_offsets;
  void** table;
  void* handle;  // null until the library is loaded
  // The library's data tables and the placeholders that inline code of its headers reads.
  std::size_t data_count;
  const char* const* data_names;
  void* const* data_places;
  const std::size_t* data_sizes;
};

[[noreturn]] void fail(const char* what, const char* name, const char* detail) {
  std::fprintf(stderr, "sluice: cannot %s %s: %s\n(sluice needs it for this command; scripts/setup installs it)\n", what, name,
               detail != nullptr ? detail : "unknown error");
  std::_Exit(1);
}

std::mutex& bind_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Loads the library once and copies its data tables into their placeholders (under the lock).
void load(LazyLibrary* library) {
  if (library->handle != nullptr) return;
  void* handle = dlopen(library->soname, RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) fail("load", library->soname, dlerror());
  for (std::size_t i = 0; i < library->data_count; ++i) {
    const void* data = dlsym(handle, library->data_names[i]);
    if (data == nullptr) fail("find", library->data_names[i], dlerror());
    std::memcpy(library->data_places[i], data, library->data_sizes[i]);
  }
  library->handle = handle;
}

}  // namespace

// Loads a library before its first call: for code that reads its data tables first.
extern "C" void sluice_lazy_load(LazyLibrary* library) {
  const std::lock_guard lock(bind_mutex());
  load(library);
}

// Called with the caller's argument registers saved; returns the function to continue into.
extern "C" void* sluice_lazy_bind(LazyLibrary* library, unsigned index) {
  const std::lock_guard lock(bind_mutex());
  load(library);
  const char* name = library->names + library->name_offsets[index];
  void* function = dlsym(library->handle, name);
  if (function == nullptr) fail("find", name, dlerror());
  // Other threads read the entry without the lock; an aligned pointer store is atomic.
  __atomic_store_n(&library->table[index], function, __ATOMIC_RELEASE);
  return function;
}
