#include "license/region_search.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#if defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

namespace sluice::filter::license {
namespace {

// Candidates are searched as lanes of 32-bit sums, whole 256-bit vectors of eight, and counted
// as lanes of bytes, whole 128-bit vectors of sixteen.
constexpr std::size_t kLaneGroup = 16;
constexpr std::size_t kWordLanes = 8;  // 32-bit lanes of a 256-bit vector
#if defined(__AVX2__)
constexpr bool kVectorRuns = true;
#else
constexpr bool kVectorRuns = false;
#endif

// sums[c] += column[c], bytewise (no lane exceeds 255 in the caller); `lanes` is a multiple of
// kLaneGroup.
void add_bytes(const std::uint8_t* column, std::size_t lanes, std::uint8_t* sums) {
  for (std::size_t c = 0; c < lanes; c += kLaneGroup) {
#if defined(__SSE2__)
    auto* sum = reinterpret_cast<__m128i*>(sums + c);
    _mm_storeu_si128(sum, _mm_add_epi8(_mm_loadu_si128(sum), _mm_loadu_si128(reinterpret_cast<const __m128i*>(column + c))));
#else
    for (std::size_t k = c; k < c + kLaneGroup; ++k) sums[k] = static_cast<std::uint8_t>(sums[k] + column[k]);
#endif
  }
}

// sums[c] += the sum of column c over `ids`. Bytes are added as bytes (sixteen lanes a vector) for
// up to 255 columns at a time, then widened once.
void add_columns(const std::uint8_t* columns, std::size_t lanes, const std::vector<std::uint32_t>& ids, std::uint8_t* partial,
                 std::uint32_t* sums) {
  for (std::size_t i = 0; i < ids.size();) {
    const std::size_t chunk = std::min<std::size_t>(ids.size() - i, 255);
    std::fill(partial, partial + lanes, std::uint8_t{0});
    for (const std::size_t stop = i + chunk; i < stop; ++i) add_bytes(columns + std::size_t{ids[i]} * lanes, lanes, partial);
    for (std::size_t c = 0; c < lanes; ++c) sums[c] += partial[c];
  }
}

}  // namespace

RegionSearch::RegionSearch(const TextBigrams& text, std::vector<CandidateTemplate> candidates)
    : text_(text),
      candidates_(std::move(candidates)),
      distinct_(text.distinct()),
      lanes_((candidates_.size() + kLaneGroup - 1) / kLaneGroup * kLaneGroup),
      columns_(distinct_ * lanes_, 0),
      best_(lanes_),
      begin_(lanes_),
      end_(lanes_),
      set_word_(lanes_, 0),
      set_bit_(lanes_, 0),
      lane_used_(lanes_, 0),
      searched_(lanes_ / kWordLanes, 0),
      counts_(distinct_, 0),
      partial_(lanes_),
      matched_(lanes_) {
  for (std::size_t c = 0; c < candidates_.size(); ++c) {
    set_word_[c] = static_cast<std::int32_t>(candidates_[c].index / 32);
    set_bit_[c] = static_cast<std::int32_t>(candidates_[c].index % 32);
    lane_used_[c] = 1;
  }
}

void RegionSearch::set_members(std::uint32_t id, const std::uint64_t* set) {
  std::uint8_t* column = columns_.data() + std::size_t{id} * lanes_;
#if defined(__AVX2__)
  // Eight lanes at a time: gather each lane's 32-bit word of the set, shift its bit down, and
  // keep the low byte of each lane.
  const auto* words = reinterpret_cast<const int*>(set);
  const auto lanes_at = [](const std::vector<std::int32_t>& lane, std::size_t c) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane.data() + c));
  };
  const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1,
                                             -1, -1, -1, -1, -1, -1, -1, -1, -1);
  for (std::size_t c = 0; c < lanes_; c += kWordLanes) {
    const __m256i word = _mm256_i32gather_epi32(words, lanes_at(set_word_, c), 4);
    const __m256i bits = _mm256_and_si256(_mm256_srlv_epi32(word, lanes_at(set_bit_, c)), lanes_at(lane_used_, c));
    const __m256i bytes = _mm256_shuffle_epi8(bits, low_bytes);
    const std::uint64_t packed = static_cast<std::uint32_t>(_mm256_cvtsi256_si32(bytes)) |
                                 std::uint64_t{static_cast<std::uint32_t>(_mm256_extract_epi32(bytes, 4))} << 32;
    std::memcpy(column + c, &packed, sizeof packed);
  }
#else
  for (std::size_t c = 0; c < candidates_.size(); ++c) {
    const auto t = candidates_[c].index;
    column[c] = static_cast<std::uint8_t>((set[t / 64] >> (t % 64)) & 1);
  }
#endif
}

// Kadane's maximum-sum run of lane c over the unclaimed positions: +1 where the position's
// bigram is the lane's template's, -1 elsewhere; a sum that falls to 0 restarts the run after
// the position, and a sum above the best makes the run so far the best.
void RegionSearch::lane_run(std::size_t c, const std::vector<std::uint8_t>& claimed) {
  const auto& ids = text_.ids;
  std::int32_t best = 0, current = 0, begin = 0, end = 0, start = 0;
  for (std::size_t p = 0; p < ids.size(); ++p) {
    const auto next = static_cast<std::int32_t>(p + 1);
    current = claimed[p] ? 0 : current + 2 * columns_[std::size_t{ids[p]} * lanes_ + c] - 1;
    if (current <= 0) {
      current = 0;
      start = next;
    } else if (current > best) {
      best = current;
      begin = start;
      end = next;
    }
  }
  best_[c] = best;
  begin_[c] = begin;
  end_[c] = end;
}

#if defined(__AVX2__)
// The same for the kWordLanes lanes from c at once, one lane per 32-bit element.
void RegionSearch::vector_run(std::size_t c, const std::vector<std::uint8_t>& claimed) {
  const auto& ids = text_.ids;
  const __m256i one = _mm256_set1_epi32(1);
  __m256i best = _mm256_setzero_si256(), current = best, begin = best, end = best, start = best;
  for (std::size_t p = 0; p < ids.size(); ++p) {
    const __m256i next = _mm256_set1_epi32(static_cast<std::int32_t>(p + 1));
    if (claimed[p]) {
      current = _mm256_setzero_si256();
      start = next;
      continue;
    }
    const auto* column = reinterpret_cast<const __m128i*>(columns_.data() + std::size_t{ids[p]} * lanes_ + c);
    const __m256i member = _mm256_cvtepu8_epi32(_mm_loadl_epi64(column));
    const __m256i sum = _mm256_add_epi32(current, _mm256_sub_epi32(_mm256_add_epi32(member, member), one));
    const __m256i restart = _mm256_cmpgt_epi32(one, sum);  // sum <= 0
    current = _mm256_andnot_si256(restart, sum);
    start = _mm256_blendv_epi8(start, next, restart);
    const __m256i longer = _mm256_cmpgt_epi32(sum, best);  // never when restarting: best is at least 0
    best = _mm256_max_epi32(sum, best);
    begin = _mm256_blendv_epi8(begin, start, longer);
    end = _mm256_blendv_epi8(end, next, longer);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(best_.data() + c), best);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(begin_.data() + c), begin);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(end_.data() + c), end);
}
#endif

// Two copies of one text (or a text and a shorter one inside it: BSD-2-Clause then
// BSD-3-Clause) form one run; a run much longer than the template is cut to the template-long
// window holding the most distinct template bigrams, so each copy is matched on its own.
RegionSearch::Pending RegionSearch::one_copy(std::size_t c, std::size_t run_begin, std::size_t run_end) {
  const std::size_t length = candidates_[c].words;
  if (run_end - run_begin <= length + length / 3 || length <= 1) return {run_begin, run_end, c};
  const auto& ids = text_.ids;
  const std::size_t width = length - 1;
  std::size_t distinct = 0, outside = 0, best_start = run_begin;
  long best_score = -1;
  for (std::size_t p = run_begin; p < run_end; ++p) {
    if (!in_template(c, p)) ++outside;
    else if (counts_[ids[p]]++ == 0) ++distinct;
    if (p >= run_begin + width) {
      const std::size_t q = p - width;
      if (!in_template(c, q)) --outside;
      else if (--counts_[ids[q]] == 0) --distinct;
    }
    // Most distinct template bigrams, then fewest foreign words; among equals the later
    // window, which is the whole second copy when a shorter text precedes a longer one.
    const long score = static_cast<long>(distinct) * 4096 - static_cast<long>(outside);
    if (p + 1 >= run_begin + width && score >= best_score) {
      best_score = score;
      best_start = p + 1 - width;
    }
  }
  for (std::size_t p = run_end > width ? std::max(run_begin, run_end - width) : run_begin; p < run_end; ++p) counts_[ids[p]] = 0;
  return {best_start, std::min(run_end, best_start + width), c};
}

// Candidates with one region: its distinct bigrams are listed once, and each bigram's column
// adds to every lane's count of the region's bigrams that are its template's (a bigram is in
// the template or not wherever it occurs).
void RegionSearch::score_group(const Pending* first, const Pending* last, std::vector<Region>& regions) {
  const auto& ids = text_.ids;
  region_ids_.clear();
  for (std::size_t p = first->begin; p < first->end; ++p) {
    if (counts_[ids[p]]++ == 0) region_ids_.push_back(ids[p]);
  }
  for (const auto id : region_ids_) counts_[id] = 0;
  std::fill(matched_.begin(), matched_.end(), 0);
  add_columns(columns_.data(), lanes_, region_ids_, partial_.data(), matched_.data());
  const auto window = static_cast<double>(region_ids_.size());
  for (const Pending* g = first; g != last; ++g) {
    const std::size_t matched = matched_[g->candidate];
    Region& region = regions[g->candidate];
    region = Region{g->begin, g->end, matched};
    region.dice = 2.0 * static_cast<double>(matched) / (window + static_cast<double>(candidates_[g->candidate].bigrams));
    region.foreign = 1.0 - static_cast<double>(matched) / window;
  }
}

void RegionSearch::find(const std::vector<std::uint8_t>& claimed, const std::vector<std::size_t>& which, std::vector<Region>& regions) {
  if (which.empty()) return;
  // A vector for the lanes of a group with several candidates to search; a lane alone costs
  // less when its group has one or two (after the first round, a claim leaves a few stale).
  groups_.clear();
  alone_.clear();
  std::fill(searched_.begin(), searched_.end(), 0);
  for (const auto c : which) ++searched_[c / kWordLanes];
  for (const auto c : which) {
    const std::size_t group = c / kWordLanes * kWordLanes;
    if (!kVectorRuns || searched_[c / kWordLanes] <= 2) alone_.push_back(c);
    else if (std::find(groups_.begin(), groups_.end(), group) == groups_.end()) groups_.push_back(group);
  }
#if defined(__AVX2__)
  for (const auto c : groups_) vector_run(c, claimed);
#endif
  for (const auto c : alone_) lane_run(c, claimed);
  pending_.clear();
  for (const auto c : which) {
    if (best_[c] <= 0) {
      regions[c] = Region{};  // no position of the text is the template's
      continue;
    }
    pending_.push_back(one_copy(c, static_cast<std::size_t>(begin_[c]), static_cast<std::size_t>(end_[c])));
  }
  const auto same_region = [](const Pending& a, const Pending& b) { return a.begin == b.begin && a.end == b.end; };
  std::sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.begin, a.end, a.candidate) < std::tie(b.begin, b.end, b.candidate);
  });
  for (auto first = pending_.begin(); first != pending_.end();) {
    auto last = first + 1;
    while (last != pending_.end() && same_region(*first, *last)) ++last;
    score_group(&*first, &*first + (last - first), regions);
    first = last;
  }
}

}  // namespace sluice::filter::license
