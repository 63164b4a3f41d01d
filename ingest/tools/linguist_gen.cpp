// Build-time generator: reads linguist's YAML data and writes linguist_data.cpp (see
// src/linguist_data.h for the tables). Usage: sluice_linguist_gen DATA_DIR OUTPUT.cpp
//
// Linguist's patterns are Ruby (Onigmo) regular expressions; sluice matches with PCRE2, so each one
// is translated here and compiled once to prove it: a pattern PCRE2 rejects fails the build.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct KeyEntry {
  std::string key;
  int language;
  bool operator<(const KeyEntry& other) const {
    return key != other.key ? key < other.key : language < other.language;
  }
};

// Ruby differs from PCRE2 in three ways that linguist's patterns use: `^`/`$` always match at line
// boundaries (we compile with PCRE2_MULTILINE), the `m` flag means "dot matches newline" (PCRE2's
// `s`), and `\h` is a hex digit (PCRE2: horizontal space).
std::string translate(const std::string& ruby) {
  std::string out;
  for (std::size_t i = 0; i < ruby.size(); ++i) {
    const char c = ruby[i];
    if (c == '\\' && i + 1 < ruby.size()) {
      if (ruby[i + 1] == 'h') {
        out += "[0-9a-fA-F]";
      } else if (ruby[i + 1] == 'H') {
        out += "[^0-9a-fA-F]";
      } else {
        out += c;
        out += ruby[i + 1];
      }
      ++i;
      continue;
    }
    if (c == '(' && i + 1 < ruby.size() && ruby[i + 1] == '?') {
      // (?imx-imx) or (?imx-imx:...): rename m to s inside the flag list.
      std::size_t j = i + 2;
      std::string flags;
      while (j < ruby.size() && (ruby[j] == 'i' || ruby[j] == 'm' || ruby[j] == 'x' || ruby[j] == '-')) {
        flags += ruby[j] == 'm' ? 's' : ruby[j];
        ++j;
      }
      if (!flags.empty() && j < ruby.size() && (ruby[j] == ')' || ruby[j] == ':')) {
        out += "(?" + flags;
        i = j - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

void check_compiles(const std::string& pattern, const std::string& where) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       PCRE2_MULTILINE | PCRE2_UTF, &code, &offset, nullptr);
  if (compiled == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof(message));
    throw std::runtime_error(where + ": pattern does not compile at offset " + std::to_string(offset) + ": " +
                             reinterpret_cast<const char*>(message) + ": " + pattern);
  }
  pcre2_code_free(compiled);
}

// A C++ string literal with every byte that needs it escaped (octal, so a following digit is safe).
std::string literal(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '?') {
      out += "\\?";  // never a trigraph
    } else if (c < 0x20 || c >= 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\%03o", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The strings of all tables, each once, in one NUL-separated blob (kStrings): the tables hold
// offsets into it, not pointers the loader would relocate (see linguist_data.h).
class StringPool {
 public:
  // The initialiser of a linguist::String for `text`: "{offset, size}".
  std::string add(const std::string& text) {
    // Readers may take text(s).data() as a C string, and a NUL inside would cut it short.
    if (text.find('\0') != std::string::npos) throw std::runtime_error("a string with a NUL byte: " + literal(text));
    const auto [found, added] = offsets_.try_emplace(text, size_);
    if (added) {
      strings_.push_back(&found->first);
      size_ += text.size() + 1;
      if (size_ > UINT32_MAX) throw std::runtime_error("strings too large for uint32 offsets");
    }
    return "{" + std::to_string(found->second) + ", " + std::to_string(text.size()) + "}";
  }

  void emit(std::ostream& out) const {
    out << "const char kStrings[] =";
    for (const std::string* text : strings_) out << "\n  " << literal(*text + '\0');
    if (strings_.empty()) out << " \"\"";
    out << ";\n\n";
  }

 private:
  std::map<std::string, std::size_t> offsets_;
  std::vector<const std::string*> strings_;  // in offset order; keys of offsets_, which never move
  std::size_t size_ = 0;
};

void emit_rows(std::ostream& out, const char* type, const char* name, const std::vector<std::string>& rows) {
  out << "static const " << type << " " << name << "_data[] = {\n";
  for (const auto& row : rows) out << "  " << row << ",\n";
  out << "};\nconst std::span<const " << type << "> " << name << "(" << name << "_data);\n\n";
}

void emit_keys(std::ostream& out, StringPool& pool, const char* name, std::vector<KeyEntry> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
               return a.key == b.key && a.language == b.language;
             }), keys.end());
  std::vector<std::string> rows;
  for (const auto& entry : keys) rows.push_back("{" + pool.add(entry.key) + ", " + std::to_string(entry.language) + "}");
  emit_rows(out, "Key", name, rows);
}

void emit_strings(std::ostream& out, StringPool& pool, const char* name, const std::vector<std::string>& items) {
  std::vector<std::string> rows;
  for (const auto& item : items) rows.push_back(pool.add(item));
  emit_rows(out, "String", name, rows);
}

std::vector<std::string> pattern_list(const std::string& file) {
  std::vector<std::string> patterns;
  const YAML::Node root = YAML::LoadFile(file);
  for (const auto& item : root) {
    std::string pattern = translate(item.as<std::string>());
    check_compiles(pattern, file);
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

void generate(const std::string& dir, std::ostream& out) {
  const YAML::Node languages = YAML::LoadFile(dir + "/languages.yml");
  std::map<std::string, int> index;
  struct Row {
    std::string name, type, primary;
    bool operator<(const Row& other) const { return name < other.name; }
  };
  std::vector<Row> names;
  for (const auto& entry : languages) {
    const YAML::Node& extensions = entry.second["extensions"];
    names.push_back({entry.first.as<std::string>(), entry.second["type"].as<std::string>(),
                     extensions && extensions.size() > 0 ? lower(extensions[0].as<std::string>()) : ""});
  }
  std::sort(names.begin(), names.end());
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i].name] = static_cast<int>(i);
  if (names.size() > 65535) throw std::runtime_error("too many languages for uint16 indices");

  std::vector<KeyEntry> extensions, filenames, interpreters, aliases;
  for (const auto& entry : languages) {
    const int language = index.at(entry.first.as<std::string>());
    const YAML::Node& body = entry.second;
    if (body["extensions"]) for (const auto& e : body["extensions"]) extensions.push_back({lower(e.as<std::string>()), language});
    if (body["filenames"]) for (const auto& f : body["filenames"]) filenames.push_back({f.as<std::string>(), language});
    if (body["interpreters"]) for (const auto& s : body["interpreters"]) interpreters.push_back({s.as<std::string>(), language});
    // linguist's find_by_alias: the name in lower case with spaces as dashes, and the aliases.
    std::string alias = lower(entry.first.as<std::string>());
    std::replace(alias.begin(), alias.end(), ' ', '-');
    aliases.push_back({alias, language});
    if (body["aliases"]) for (const auto& a : body["aliases"]) aliases.push_back({lower(a.as<std::string>()), language});
  }

  out << "// Generated by ingest/tools/linguist_gen.cpp from linguist's data files. Do not edit.\n"
         "#include \"linguist_data.h\"\n\nnamespace sluice::ingest::linguist {\n\n";
  StringPool pool;
  std::vector<std::string> language_rows;
  for (const auto& row : names) {
    const std::string& type = row.type;
    const char* kind = type == "programming" ? "kProgramming" : type == "markup" ? "kMarkup" : type == "data" ? "kData" : "kProse";
    // Added one after the other: the blob's order must not depend on the order of evaluation.
    const std::string name = pool.add(row.name);
    language_rows.push_back("{" + name + ", LanguageType::" + kind + ", " + pool.add(row.primary) + "}");
  }
  emit_rows(out, "Language", "kLanguages", language_rows);
  emit_keys(out, pool, "kExtensions", extensions);
  emit_keys(out, pool, "kFilenames", filenames);
  emit_keys(out, pool, "kInterpreters", interpreters);
  emit_keys(out, pool, "kAliases", aliases);

  const YAML::Node heuristics = YAML::LoadFile(dir + "/heuristics.yml");
  const YAML::Node named = heuristics["named_patterns"];
  std::vector<std::string> rule_extensions;
  std::vector<std::string> rules, disambiguations, clauses, clause_patterns;
  std::vector<int> rule_languages;
  // A clause is a pattern or a list of alternatives, kept apart (see Clause in linguist_data.h).
  const auto add_clause = [&](const YAML::Node& node, bool negative) {
    const std::size_t first = clause_patterns.size();
    std::vector<std::string> alternatives;
    if (node.IsSequence()) for (const auto& item : node) alternatives.push_back(item.as<std::string>());
    else alternatives.push_back(node.as<std::string>());
    for (const auto& alternative : alternatives) {
      std::string pattern = translate(alternative);
      check_compiles(pattern, dir + "/heuristics.yml");
      clause_patterns.push_back(pool.add(pattern));
    }
    clauses.push_back("{" + std::to_string(first) + ", " + std::to_string(clause_patterns.size() - first) + ", " +
                      (negative ? "true" : "false") + "}");
  };
  // One condition map: pattern, negative_pattern, named_pattern, or `and` of such maps.
  std::function<void(const YAML::Node&)> add_conditions = [&](const YAML::Node& rule) {
    if (rule["pattern"]) add_clause(rule["pattern"], false);
    if (rule["negative_pattern"]) add_clause(rule["negative_pattern"], true);
    if (rule["named_pattern"]) add_clause(named[rule["named_pattern"].as<std::string>()], false);
    if (rule["and"]) for (const auto& part : rule["and"]) add_conditions(part);
  };
  for (const auto& group : heuristics["disambiguations"]) {
    const std::size_t first_extension = rule_extensions.size();
    for (const auto& e : group["extensions"]) rule_extensions.push_back(lower(e.as<std::string>()));
    const std::size_t first_rule = rules.size();
    for (const auto& rule : group["rules"]) {
      const std::size_t first_language = rule_languages.size();
      const YAML::Node& language = rule["language"];
      const auto add_language = [&](const std::string& name) {
        const auto found = index.find(name);
        if (found == index.end()) throw std::runtime_error("heuristics.yml names unknown language " + name);
        rule_languages.push_back(found->second);
      };
      if (language.IsSequence()) for (const auto& l : language) add_language(l.as<std::string>());
      else add_language(language.as<std::string>());
      const std::size_t first_clause = clauses.size();
      add_conditions(rule);
      rules.push_back("{" + std::to_string(first_language) + ", " + std::to_string(rule_languages.size() - first_language) +
                      ", " + std::to_string(first_clause) + ", " + std::to_string(clauses.size() - first_clause) + "}");
    }
    disambiguations.push_back("{" + std::to_string(first_extension) + ", " + std::to_string(rule_extensions.size() - first_extension) +
                              ", " + std::to_string(first_rule) + ", " + std::to_string(rules.size() - first_rule) + "}");
  }
  emit_strings(out, pool, "kDisambiguationExtensions", rule_extensions);
  emit_rows(out, "Disambiguation", "kDisambiguations", disambiguations);
  emit_rows(out, "Rule", "kRules", rules);
  std::vector<std::string> rule_language_rows;
  for (const int language : rule_languages) rule_language_rows.push_back(std::to_string(language));
  emit_rows(out, "std::uint16_t", "kRuleLanguages", rule_language_rows);
  emit_rows(out, "Clause", "kClauses", clauses);
  emit_rows(out, "String", "kClausePatterns", clause_patterns);
  emit_strings(out, pool, "kVendorPatterns", pattern_list(dir + "/vendor.yml"));
  emit_strings(out, pool, "kDocumentationPatterns", pattern_list(dir + "/documentation.yml"));
  emit_strings(out, pool, "kGeneratedPatterns", pattern_list(dir + "/generated.rb"));
  pool.emit(out);
  out << "}  // namespace sluice::ingest::linguist\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: sluice_linguist_gen DATA_DIR OUTPUT.cpp\n";
    return 1;
  }
  try {
    std::ostringstream text;
    generate(argv[1], text);
    const std::string output = argv[2];
    std::ofstream file(output + ".tmp", std::ios::binary);
    file << text.str();
    file.close();
    if (!file || std::rename((output + ".tmp").c_str(), output.c_str()) != 0) throw std::runtime_error("cannot write " + output);
  } catch (const std::exception& error) {
    std::cerr << "sluice_linguist_gen: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
