#include <gtest/gtest.h>

#include "sluice/core/document.h"
#include "sluice/core/json.h"

using namespace sluice;

TEST(Json, EscapesControlCharactersQuotesAndBackslashesButKeepsUtf8) {
  EXPECT_EQ(json_string("a\"b\\c\n\t\x01 é λ"), "\"a\\\"b\\\\c\\n\\t\\u0001 é λ\"");
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
