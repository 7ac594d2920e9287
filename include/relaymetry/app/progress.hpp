#pragma once
// `check --progress`: one line on stderr saying how far a long run is. The line's text is a pure
// function; ProgressLine decides when it is written and keeps it apart from every other line on the
// screen. Neither touches the event loop or asks whether a stream is a terminal: run_check drives the
// redraws from a timer, cli.cpp decides the style.

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace relaymetry::app {

enum class ProgressStyle {
    off,
    live,   // one self-updating line ("\r", text, clear to end of line), erased at the end: terminals
    plain,  // whole lines, no escapes, at most one a second and a final one: CI logs
};

// --progress auto|always|never: auto = live when stderr is a terminal and there is more than one
// domain (for one domain the report itself is the progress).
ProgressStyle progress_style(std::string_view mode, std::size_t domains, bool stderr_is_terminal);

struct ProgressCounts {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t failing = 0;  // domains with a finding at or above --fail-on (Gate::fails)
};

// "relaymetry: 412/1000 checked, 3 failing, 96.1/s, 7 s left", or "..., 96.1/s, done in 10 s" once
// every domain is done (tenths of a second under 10 s). Before the first domain is done the rate says
// nothing, so the line stops after "failing". The time left is the remaining domains at the average
// rate so far, rounded up to whole seconds (never "0 s left" while a domain is still running).
std::string format_progress(const ProgressCounts& counts, std::chrono::duration<double> elapsed);

class ProgressLine {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    ProgressLine(std::ostream& err, ProgressStyle style, TimePoint start);

    // How often a redraw is due: a few times a second live, once a second plain.
    static std::chrono::milliseconds interval(ProgressStyle style);
    ProgressStyle style() const { return m_style; }

    // Writes the line when a redraw is due: live at once the first time, plain only after a first
    // interval (a run shorter than a second leaves only the final line in a log).
    void update(const ProgressCounts& counts, TimePoint now);

    // Live: erases the line, so that something else (a result on the same terminal) can be written,
    // and writes it again with the counts of now. Plain lines are whole lines: nothing to do.
    void hide();
    void show(const ProgressCounts& counts, TimePoint now);

    // A diagnostic for the same stream (with its line break): the live line is erased before it and
    // written again, as it was, after it; never interleaved.
    void write_line(std::string_view line);

    // The end of the run, before anything else is written to the stream: live erases the line for
    // good, plain writes the final counts.
    void finish(const ProgressCounts& counts, TimePoint now);

private:
    void draw(const ProgressCounts& counts, TimePoint now);
    void put_live_text();

    std::ostream* m_err;
    ProgressStyle m_style;
    TimePoint m_start;
    TimePoint m_last_draw;
    bool m_drawn_once = false;
    std::string m_text;    // the live line as last drawn
    bool m_shown = false;  // the live line is on the screen now
};

}  // namespace relaymetry::app
