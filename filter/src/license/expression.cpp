#include "license/expression.h"

namespace sluice::filter::license {

std::set<std::string> expression_ids(std::string_view expression) {
  std::set<std::string> ids;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && current != "AND" && current != "OR" && current != "WITH") ids.insert(current);
    current.clear();
  };
  for (char c : expression) {
    if (c == ' ' || c == '(' || c == ')') flush();
    else current += c;
  }
  flush();
  return ids;
}

std::string_view license_family(std::string_view id) {
  if (const auto with = id.find(" WITH "); with != std::string_view::npos) id = id.substr(0, with);
  for (std::string_view suffix : {"-only", "-or-later"}) {
    if (id.ends_with(suffix)) return id.substr(0, id.size() - suffix.size());
  }
  return id;
}

}  // namespace sluice::filter::license
