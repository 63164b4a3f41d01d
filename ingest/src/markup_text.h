#pragma once
// Readable text out of markup that is not meant to be read raw: HTML pages and roff man pages.
// Both keep paragraphs and headings as line breaks and drop what a reader would not see.
#include <string>
#include <string_view>

namespace sluice::ingest {

// Tags, comments, <script>, <style> and <head> furniture removed; entities decoded; block
// elements become line breaks; whitespace collapsed except inside <pre>.
std::string html_to_text(std::string_view html);

// man(7) and mdoc(7) macros interpreted as far as reading needs: .TH / .Dt become a title line,
// .SH / .Sh headings, paragraphs filled, .nf / .EX blocks kept verbatim, font and special
// character escapes resolved, other requests dropped.
std::string roff_to_text(std::string_view roff);

}  // namespace sluice::ingest
