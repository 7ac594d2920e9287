#include "relaymetry/app/progress.hpp"

#include <charconv>
#include <cmath>
#include <ostream>
#include <utility>

namespace relaymetry::app {

namespace {

// ECMA-48 EL (erase in line): clears from the cursor to the end of the line.
constexpr std::string_view k_clear_to_end = "\x1b[K";

// "6 s", "4 min 12 s", "2 h 5 min".
std::string duration_text(long long seconds) {
    if (seconds < 60) {
        return std::to_string(seconds) + " s";
    }
    if (seconds < 3600) {
        return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
    }
    return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
}

// One decimal, whatever the global locale says (std::to_chars never uses it).
std::string one_decimal(double value) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 1).ptr;
    return std::string(buffer, end);
}

// How long the run took: tenths under 10 s (a short run is not "0 s"), whole seconds above.
std::string elapsed_text(double seconds) {
    return seconds < 10 ? one_decimal(seconds) + " s" : duration_text(std::llround(seconds));
}

}  // namespace

ProgressStyle progress_style(std::string_view mode, std::size_t domains, bool stderr_is_terminal) {
    if (mode == "always") {
        return ProgressStyle::plain;
    }
    if (mode == "never") {
        return ProgressStyle::off;
    }
    return stderr_is_terminal && domains > 1 ? ProgressStyle::live : ProgressStyle::off;
}

std::string format_progress(const ProgressCounts& counts, std::chrono::duration<double> elapsed) {
    std::string line = "relaymetry: " + std::to_string(counts.done) + "/" + std::to_string(counts.total) +
                       " checked, " + std::to_string(counts.failing) + " failing";
    const double seconds = elapsed.count();
    if (counts.done == 0 || seconds <= 0) {
        return line;
    }
    const double rate = static_cast<double>(counts.done) / seconds;
    line += ", " + one_decimal(rate) + "/s";
    if (counts.done >= counts.total) {
        return line + ", done in " + elapsed_text(seconds);
    }
    const auto left = std::ceil(static_cast<double>(counts.total - counts.done) / rate);
    return line + ", " + duration_text(static_cast<long long>(left)) + " left";
}

ProgressLine::ProgressLine(std::ostream& err, ProgressStyle style, TimePoint start)
    : m_err(&err), m_style(style), m_start(start), m_last_draw(start) {}

std::chrono::milliseconds ProgressLine::interval(ProgressStyle style) {
    return style == ProgressStyle::plain ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(250);
}

void ProgressLine::update(const ProgressCounts& counts, TimePoint now) {
    if (m_style == ProgressStyle::off) {
        return;
    }
    const bool first_live = m_style == ProgressStyle::live && !m_drawn_once;
    if (first_live || now - m_last_draw >= interval(m_style)) {
        draw(counts, now);
    }
}

void ProgressLine::draw(const ProgressCounts& counts, TimePoint now) {
    m_drawn_once = true;
    m_last_draw = now;
    auto text = format_progress(counts, now - m_start);
    if (m_style == ProgressStyle::plain) {
        *m_err << text << '\n' << std::flush;
        return;
    }
    if (m_shown && text == m_text) {
        return;  // the terminal shows it already
    }
    m_text = std::move(text);
    put_live_text();
}

void ProgressLine::put_live_text() {
    // Overwrite, then clear what is left of a longer previous line: no blank frame in between.
    *m_err << '\r' << m_text << k_clear_to_end << std::flush;
    m_shown = true;
}

void ProgressLine::hide() {
    if (m_shown) {
        *m_err << '\r' << k_clear_to_end << std::flush;
        m_shown = false;
    }
}

void ProgressLine::show(const ProgressCounts& counts, TimePoint now) {
    if (m_style == ProgressStyle::live && !m_shown && !m_text.empty()) {
        draw(counts, now);
    }
}

void ProgressLine::write_line(std::string_view line) {
    const bool shown = m_shown;
    hide();
    *m_err << line << std::flush;
    if (shown) {
        put_live_text();
    }
}

void ProgressLine::finish(const ProgressCounts& counts, TimePoint now) {
    if (m_style == ProgressStyle::plain) {
        draw(counts, now);
        return;
    }
    hide();
    m_text.clear();  // nothing to show again: later lines are the run's last words
}

}  // namespace relaymetry::app
