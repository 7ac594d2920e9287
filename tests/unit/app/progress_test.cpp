// The progress line of `check`: its text, when it is written, and that it never mixes with other lines.
#include <catch2/catch.hpp>

#include <sstream>

#include "relaymetry/app/progress.hpp"

using namespace relaymetry::app;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
const ProgressLine::TimePoint k_start{};  // when the run began, for the ProgressLine tests
}  // namespace

TEST_CASE("the line gives done/total, failing, rate and time left", "[progress]") {
    CHECK(format_progress({412, 1000, 3}, std::chrono::duration<double>(412.0 / 96.1)) ==
          "relaymetry: 412/1000 checked, 3 failing, 96.1/s, 7 s left");
    // 100 of 400 in 50 s: 2/s, 300 left at 2/s.
    CHECK(format_progress({100, 400, 0}, seconds(50)) ==
          "relaymetry: 100/400 checked, 0 failing, 2.0/s, 2 min 30 s left");
    CHECK(format_progress({1, 10000, 1}, seconds(2)) ==
          "relaymetry: 1/10000 checked, 1 failing, 0.5/s, 5 h 33 min left");
}

TEST_CASE("the time left is rounded up: never 0 s while a domain is still running", "[progress]") {
    CHECK(format_progress({999, 1000, 0}, seconds(10)) == "relaymetry: 999/1000 checked, 0 failing, 99.9/s, 1 s left");
}

TEST_CASE("before the first domain is done there is no rate and no time left", "[progress]") {
    CHECK(format_progress({0, 40, 0}, seconds(0)) == "relaymetry: 0/40 checked, 0 failing");
    CHECK(format_progress({0, 40, 0}, seconds(30)) == "relaymetry: 0/40 checked, 0 failing");
    // Done at the very start (no time has passed): no division by zero.
    CHECK(format_progress({2, 40, 0}, seconds(0)) == "relaymetry: 2/40 checked, 0 failing");
}

TEST_CASE("the last line says how long the run took", "[progress]") {
    CHECK(format_progress({100, 100, 0}, milliseconds(75400)) ==
          "relaymetry: 100/100 checked, 0 failing, 1.3/s, done in 1 min 15 s");
    CHECK(format_progress({40, 40, 2}, milliseconds(8000)) ==
          "relaymetry: 40/40 checked, 2 failing, 5.0/s, done in 8.0 s");
    CHECK(format_progress({4, 4, 0}, milliseconds(300)) == "relaymetry: 4/4 checked, 0 failing, 13.3/s, done in 0.3 s");
}

TEST_CASE("auto means live on a terminal with more than one domain", "[progress]") {
    CHECK(progress_style("auto", 2, true) == ProgressStyle::live);
    CHECK(progress_style("auto", 1, true) == ProgressStyle::off);
    CHECK(progress_style("auto", 100, false) == ProgressStyle::off);
    CHECK(progress_style("always", 1, false) == ProgressStyle::plain);
    CHECK(progress_style("always", 100, true) == ProgressStyle::plain);
    CHECK(progress_style("never", 100, true) == ProgressStyle::off);
}

TEST_CASE("live: drawn at once, redrawn at most every interval, erased at the end", "[progress]") {
    std::ostringstream err;
    ProgressLine line(err, ProgressStyle::live, k_start);
    line.update({0, 3, 0}, k_start);
    CHECK(err.str() == "\rrelaymetry: 0/3 checked, 0 failing\x1b[K");
    line.update({1, 3, 0}, k_start + milliseconds(100));
    CHECK(err.str() == "\rrelaymetry: 0/3 checked, 0 failing\x1b[K");  // not due yet
    err.str("");
    line.update({0, 3, 0}, k_start + milliseconds(500));
    CHECK(err.str().empty());  // due, but the same text: nothing to write
    line.update({1, 3, 1}, k_start + milliseconds(1000));
    CHECK(err.str() == "\rrelaymetry: 1/3 checked, 1 failing, 1.0/s, 2 s left\x1b[K");
    err.str("");
    line.finish({3, 3, 1}, k_start + milliseconds(1500));
    CHECK(err.str() == "\r\x1b[K");
    err.str("");
    line.show({3, 3, 1}, k_start + milliseconds(1600));  // nothing left to show after the end
    line.write_line("relaymetry: after the run\n");
    CHECK(err.str() == "relaymetry: after the run\n");
}

TEST_CASE("live: a diagnostic erases the line, is written whole, and the line comes back", "[progress]") {
    std::ostringstream err;
    ProgressLine line(err, ProgressStyle::live, k_start);
    line.write_line("relaymetry: before the first draw\n");
    CHECK(err.str() == "relaymetry: before the first draw\n");
    line.update({0, 2, 0}, k_start);
    err.str("");
    line.write_line("relaymetry: the resolver 127.0.0.1:9 did not answer\n");
    CHECK(err.str() ==
          "\r\x1b[Krelaymetry: the resolver 127.0.0.1:9 did not answer\n\rrelaymetry: 0/2 checked, 0 failing\x1b[K");
    err.str("");
    line.hide();
    line.hide();  // already hidden: nothing more
    CHECK(err.str() == "\r\x1b[K");
    err.str("");
    line.write_line("relaymetry: while hidden\n");      // the line stays away until shown
    line.show({1, 2, 0}, k_start + milliseconds(100));  // shown again with the counts of now
    CHECK(err.str() == "relaymetry: while hidden\n\rrelaymetry: 1/2 checked, 0 failing, 10.0/s, 1 s left\x1b[K");
}

TEST_CASE("plain: whole lines, no escapes, at most one a second, and a final line", "[progress]") {
    std::ostringstream err;
    ProgressLine line(err, ProgressStyle::plain, k_start);
    line.update({0, 4, 0}, k_start);
    line.update({1, 4, 0}, k_start + milliseconds(500));
    CHECK(err.str().empty());  // a run shorter than a second logs only its final line
    line.update({2, 4, 0}, k_start + milliseconds(1000));
    line.update({3, 4, 0}, k_start + milliseconds(1500));
    line.hide();
    line.write_line("relaymetry: a diagnostic\n");
    line.finish({4, 4, 0}, k_start + milliseconds(1600));
    CHECK(err.str() ==
          "relaymetry: 2/4 checked, 0 failing, 2.0/s, 1 s left\n"
          "relaymetry: a diagnostic\n"
          "relaymetry: 4/4 checked, 0 failing, 2.5/s, done in 1.6 s\n");
}

TEST_CASE("off: nothing but the diagnostics", "[progress]") {
    std::ostringstream err;
    ProgressLine line(err, ProgressStyle::off, k_start);
    line.update({0, 4, 0}, k_start);
    line.update({2, 4, 0}, k_start + seconds(5));
    line.write_line("relaymetry: a diagnostic\n");
    line.finish({4, 4, 0}, k_start + seconds(6));
    CHECK(err.str() == "relaymetry: a diagnostic\n");
}
