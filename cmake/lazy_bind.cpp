// The resolver behind the stubs that cmake/SluiceLazyLink.cmake generates: on the first call of
// one of a lazily bound library's functions, load the library, look the function up, and store it
// in the stub's table entry, so that later calls jump straight to it.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace {

// Laid out by the generated assembly: four 8-byte fields.
struct LazyLibrary {
  const char* soname;
  const char* const* names;
  void** table;
  void* handle;  // null until the first call
};

[[noreturn]] void fail(const char* what, const char* name, const char* detail) {
  std::fprintf(stderr, "sluice: cannot %s %s: %s\n(sluice needs it for this command; scripts/setup installs it)\n", what, name,
               detail != nullptr ? detail : "unknown error");
  std::_Exit(1);
}

}  // namespace

// Called with the caller's argument registers saved; returns the function to continue into.
extern "C" void* sluice_lazy_bind(LazyLibrary* library, unsigned index) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  if (library->handle == nullptr) {
    library->handle = dlopen(library->soname, RTLD_LAZY | RTLD_LOCAL);
    if (library->handle == nullptr) fail("load", library->soname, dlerror());
  }
  void* function = dlsym(library->handle, library->names[index]);
  if (function == nullptr) fail("find", library->names[index], dlerror());
  // Other threads read the entry without the lock; an aligned pointer store is atomic.
  __atomic_store_n(&library->table[index], function, __ATOMIC_RELEASE);
  return function;
}
