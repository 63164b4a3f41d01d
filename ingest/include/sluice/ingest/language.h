#pragma once
// File classification with GitHub linguist's own data, compiled into the binary at build time:
// the language of a file, and whether linguist calls its path vendored, documentation or
// generated. Other stages (filter) may call these.
#include <string_view>

namespace sluice::ingest {

// The linguist language name ("C++", "Python", "Roff Manpage"), or "" when nothing matches.
// Follows linguist's order: Emacs / Vim modeline, filename, shebang interpreter, extension, then
// the heuristics that
// tell shared extensions apart (.h, .m, .pl, ...) on the first 50 KB of `content`. Where linguist
// would fall back to its statistical classifier, the candidate whose primary extension this is
// wins, else the first by name.
std::string_view detect_language(std::string_view path, std::string_view content);

// linguist's type of a language: "programming", "markup", "data", "prose" ("" if unknown).
std::string_view language_type(std::string_view language);

// Path rules from vendor.yml, documentation.yml and generated.rb (paths relative to the root).
bool is_vendored_path(std::string_view path);
bool is_documentation_path(std::string_view path);
bool is_generated_path(std::string_view path);

}  // namespace sluice::ingest
