#include "pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <memory>
#include <string>

#include "sluice/core/error.h"

namespace sluice::ingest {
namespace {

// Per-thread scratch: a one-pair match (we only ask whether it matches) and a JIT stack larger
// than PCRE2's 32 KB default, which heuristics over 50 KB of source can exhaust.
struct MatchScratch {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchScratch() {
    pcre2_jit_stack_assign(context, nullptr, stack);
    pcre2_set_match_limit(context, 1'000'000);
  }
  ~MatchScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;
};

MatchScratch& scratch() {
  thread_local MatchScratch instance;
  return instance;
}

}  // namespace

Regex::Regex(std::string_view pattern) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_MULTILINE | PCRE2_UTF,
                        &code, &offset, nullptr);
  if (code_ == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof(message));
    throw Error("bad regular expression '" + std::string(pattern) + "' at offset " + std::to_string(offset) + ": " +
                reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);  // without JIT support PCRE2 interprets: still correct
}

Regex::~Regex() { pcre2_code_free(code_); }

namespace {

bool run(pcre2_code* code, std::string_view subject, std::uint32_t options) {
  auto& s = scratch();
  return pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, options, s.data, s.context) >= 0;
}

}  // namespace

bool Regex::search(std::string_view subject) const { return run(code_, subject, 0); }

bool Regex::search_valid_utf8(std::string_view subject) const { return run(code_, subject, PCRE2_NO_UTF_CHECK); }

}  // namespace sluice::ingest
