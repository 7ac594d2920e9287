#include <catch2/catch.hpp>

#include "relaymetry/report/report.hpp"

using relaymetry::report::escape_untrusted;
using relaymetry::report::escape_untrusted_lines;

TEST_CASE("escape_untrusted leaves printable text and valid UTF-8 alone") {
    CHECK(escape_untrusted("220 mail.example.com ESMTP Postfix") == "220 mail.example.com ESMTP Postfix");
    CHECK(escape_untrusted("Müller GmbH, 日本, 🙂") == "Müller GmbH, 日本, 🙂");
    CHECK(escape_untrusted("") == "");
}

TEST_CASE("escape_untrusted escapes C0, DEL and C1 controls as JSON escapes") {
    CHECK(escape_untrusted("a\nb\rc\td") == "a\\nb\\rc\\td");
    CHECK(escape_untrusted("\x1b[2J\x1b]0;owned\x07") == "\\u001b[2J\\u001b]0;owned\\u0007");
    CHECK(escape_untrusted(std::string("nul\0here", 8)) == "nul\\u0000here");
    CHECK(escape_untrusted("del\x7f") == "del\\u007f");
    CHECK(escape_untrusted("csi\xc2\x9b"
                           "31m") == "csi\\u009b31m");
    CHECK(escape_untrusted("nel\xc2\x85") == "nel\\u0085");
    CHECK(escape_untrusted("\b\f") == "\\b\\f");
}

TEST_CASE("escape_untrusted escapes bidi controls and line separators") {
    CHECK(escape_untrusted("abc\xe2\x80\xae"
                           "fed") == "abc\\u202efed");
    CHECK(escape_untrusted("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");
    CHECK(escape_untrusted("a\xe2\x80\xa8"
                           "b") == "a\\u2028b");
}

TEST_CASE("escape_untrusted shows invalid UTF-8 byte by byte and doubles backslashes") {
    CHECK(escape_untrusted("\xff\xfe") == "\\xff\\xfe");
    CHECK(escape_untrusted("\xc0\xaf") == "\\xc0\\xaf");                    // overlong "/"
    CHECK(escape_untrusted("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // UTF-16 surrogate
    CHECK(escape_untrusted("end\xe2\x82") == "end\\xe2\\x82");              // truncated sequence
    CHECK(escape_untrusted("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    CHECK(escape_untrusted("a\\u001b") == "a\\\\u001b");                    // a literal escape cannot pass for ours
}

TEST_CASE("escape_untrusted_lines keeps the line feeds and escapes the rest of each line") {
    CHECK(escape_untrusted_lines("one\ntwo\n") == "one\ntwo\n");
    CHECK(escape_untrusted_lines("--timeout: 5\x1b[31m\nRun with --help\n") ==
          "--timeout: 5\\u001b[31m\nRun with --help\n");
    CHECK(escape_untrusted_lines("a\r\nb") == "a\\r\nb");  // a carriage return cannot rewrite the line
    CHECK(escape_untrusted_lines("\n\n") == "\n\n");
    CHECK(escape_untrusted_lines("") == "");
}
