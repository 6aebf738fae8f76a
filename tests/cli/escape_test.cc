#include "cli/escape.h"

#include <random>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::cli {
namespace {

using std::string_literals::operator""s;

TEST(EscapeTest, PrintableAsciiPassesThrough) {
  const std::string text = " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~";
  EXPECT_EQ(Escape(text), text);
  EXPECT_EQ(Escape(""), "");
}

TEST(EscapeTest, NonPrintableBytesAndBackslashBecomeLowercaseHex) {
  EXPECT_EQ(Escape("a\tb"), "a\\x09b");
  EXPECT_EQ(Escape("line\n"), "line\\x0a");
  EXPECT_EQ(Escape("\r"), "\\x0d");
  EXPECT_EQ(Escape("\0"s), "\\x00");
  EXPECT_EQ(Escape("\x7f\x80\xff"), "\\x7f\\x80\\xff");
  EXPECT_EQ(Escape("\xab"), "\\xab");
  EXPECT_EQ(Escape("C:\\dir"), "C:\\x5cdir");
}

TEST(EscapeTest, AppendEscapedAppends) {
  std::string out = "key=";
  AppendEscaped("\x01z", &out);
  EXPECT_EQ(out, "key=\\x01z");
}

TEST(EscapeTest, UnescapeDecodesHexAndBackslash) {
  ASSERT_OK_AND_ASSIGN(std::string a, Unescape("\\x41\\x62c"));
  EXPECT_EQ(a, "Abc");
  ASSERT_OK_AND_ASSIGN(std::string upper, Unescape("\\xAB\\xaB"));
  EXPECT_EQ(upper, "\xab\xab");
  ASSERT_OK_AND_ASSIGN(std::string nul, Unescape("\\x00"));
  EXPECT_EQ(nul, "\0"s);
  ASSERT_OK_AND_ASSIGN(std::string backslash, Unescape("a\\\\b"));
  EXPECT_EQ(backslash, "a\\b");
  ASSERT_OK_AND_ASSIGN(std::string hex_backslash, Unescape("\\x5c"));
  EXPECT_EQ(hex_backslash, "\\");
  ASSERT_OK_AND_ASSIGN(std::string plain, Unescape("plain text"));
  EXPECT_EQ(plain, "plain text");
  // "\\\\x41" is an escaped backslash followed by the text "x41".
  ASSERT_OK_AND_ASSIGN(std::string not_hex, Unescape("\\\\x41"));
  EXPECT_EQ(not_hex, "\\x41");
}

TEST(EscapeTest, UnescapeRejectsBadEscapes) {
  for (const char* bad : {"\\", "a\\", "\\x", "\\x4", "\\xg0", "\\x0g", "\\n",
                          "\\t", "\\X41", "ok\\q"}) {
    SCOPED_TRACE(bad);
    EXPECT_STATUS_CODE(Unescape(bad), absl::StatusCode::kInvalidArgument);
  }
}

TEST(EscapeTest, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string escaped = Escape(all);
  EXPECT_EQ(escaped.find_first_of("\t\n\r"), std::string::npos);
  for (char c : escaped) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    EXPECT_LE(static_cast<unsigned char>(c), 0x7e);
  }
  ASSERT_OK_AND_ASSIGN(std::string back, Unescape(escaped));
  EXPECT_EQ(back, all);
}

TEST(EscapeTest, RandomStringsRoundTrip) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) {
      // Favour the interesting bytes: backslash, 'x', hex digits, controls.
      static constexpr char kSpecial[] = {'\\', 'x', '0', 'a', 'F', '\t', '\n'};
      c = rng() % 3 == 0 ? kSpecial[rng() % sizeof(kSpecial)]
                         : static_cast<char>(rng() % 256);
    }
    ASSERT_OK_AND_ASSIGN(std::string back, Unescape(Escape(s)));
    ASSERT_EQ(back, s);
  }
}

}  // namespace
}  // namespace zverse::cli
