#pragma once
// Replays a fuzz target in the test suite: the seeds themselves, then seeded random mutations of
// them (bit flips, deletions, insertions of format characters, truncations, duplications), so
// every test run exercises a reader's error paths under ASan and UBSan.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sluice::fuzz {

using Target = int (*)(const std::uint8_t*, std::size_t);

inline std::string mutate(std::string input, std::mt19937_64& random) {
  static const std::string kSpecial = "{}[]\":,\\\n \x00\xff\xc3\xa9u0123456789tfn-.eE";
  const int edits = 1 + static_cast<int>(random() % 8);
  for (int e = 0; e < edits && !input.empty(); ++e) {
    const std::size_t at = random() % input.size();
    switch (random() % 5) {
      case 0: input[at] = static_cast<char>(input[at] ^ (1 << (random() % 8))); break;
      case 1: input.erase(at, 1 + random() % 16); break;
      case 2: input.insert(at, 1, kSpecial[random() % kSpecial.size()]); break;
      case 3: input.resize(at); break;  // truncation
      default: input.insert(at, input.substr(random() % input.size(), random() % 32)); break;  // duplication
    }
  }
  return input;
}

inline void replay(Target target, const std::vector<std::string>& seeds, int iterations) {
  std::mt19937_64 random(20261125);
  for (const auto& seed : seeds) target(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size());
  for (int i = 0; i < iterations; ++i) {
    const std::string input = mutate(seeds[random() % seeds.size()], random);
    target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
}

}  // namespace sluice::fuzz
