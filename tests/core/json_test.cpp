#include <gtest/gtest.h>

#include <string>

#include "sluice/core/document.h"
#include "sluice/core/json.h"

using namespace sluice;

TEST(Json, EscapesControlCharactersQuotesAndBackslashesButKeepsUtf8) {
  EXPECT_EQ(json_string("a\"b\\c\n\t\x01 é λ"), "\"a\\\"b\\\\c\\n\\t\\u0001 é λ\"");
}

// The escaper scans many bytes at a time: every byte value must be found at every offset of a
// long run, including the last bytes that the wide scan leaves to the byte loop.
TEST(Json, EscapesEveryByteValueAtEveryOffsetOfALongRun) {
  for (std::size_t length : {1u, 31u, 32u, 33u, 64u, 70u}) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int value = 0; value < 128; ++value) {
        std::string text(length, 'x');
        text[at] = static_cast<char>(value);
        std::string expected = "\"" + text.substr(0, at);
        if (value == '"' || value == '\\') {
          expected += '\\';
          expected += static_cast<char>(value);
        } else if (value < 0x20) {
          const std::string escaped = json_string(std::string(1, static_cast<char>(value)));
          expected += escaped.substr(1, escaped.size() - 2);
          ASSERT_EQ(escaped[1], '\\') << "byte " << value;
        } else {
          expected += static_cast<char>(value);
        }
        expected += text.substr(at + 1) + "\"";
        ASSERT_EQ(json_string(text), expected) << "length " << length << " offset " << at << " byte " << value;
      }
    }
  }
}

TEST(Json, WriterPlacesCommasAndNests) {
  JsonWriter json;
  json.begin_object().field("a", 1).key("b").begin_array().value("x").value(2.5).value(true).null().end_array();
  json.key("c").begin_object().end_object().end_object();
  EXPECT_EQ(json.str(), "{\"a\":1,\"b\":[\"x\",2.5,true,null],\"c\":{}}");
}

TEST(Json, NonFiniteNumbersBecomeNull) {
  JsonWriter json;
  json.begin_array().value(1.0 / 0.0).end_array();
  EXPECT_EQ(json.str(), "[null]");
}

TEST(JsonFields, DecodesStringsNumbersAndEscapes) {
  JsonFields fields;
  fields.set_string("path", "a/\"b\"\n");
  fields.set_int("bytes", 42);
  fields.set_raw("tags", "[1,2]");
  EXPECT_EQ(fields.get_string("path"), "a/\"b\"\n");
  EXPECT_EQ(fields.get_int("bytes"), 42);
  EXPECT_EQ(fields.get_text("tags"), "[1,2]");
  EXPECT_FALSE(fields.get_string("bytes").has_value());
  EXPECT_FALSE(fields.get_int("missing").has_value());
  fields.set_int("bytes", 7);  // replaces in place, keeps the order
  EXPECT_EQ(fields.begin()[1].first, "bytes");
  EXPECT_EQ(fields.get_int("bytes"), 7);
  EXPECT_TRUE(fields.erase("tags"));
  EXPECT_EQ(fields.size(), 2u);
}
