// The SMTP reply parser (RFC 5321 §4.2) on what a hostile server could send: the input is a session's
// lines (split at LF, a CR before it dropped as the channel does), fed to one ReplyAssembler after
// another as the probe does.
#include "relaymetry/probe/smtp_reply.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto lines = fuzz::split(fuzz::as_text(data, size), '\n', 4 * probe::k_max_reply_lines);
    probe::ReplyAssembler assembler;
    for (auto line : lines) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto parsed = probe::parse_reply_line(line);
        if (parsed) {
            fuzz::require(parsed->code >= 200 && parsed->code <= 599, "a reply code outside 2yz-5yz", line);
            fuzz::require(parsed->text.size() <= line.size(), "reply text longer than its line", line);
        } else {
            fuzz::require(!parsed.error().empty(), "a refused line without a reason", line);
        }
        const auto reply = assembler.add_line(line);
        if (!reply) {
            fuzz::require(!parsed || !reply.error().empty(), "a refused reply without a reason", line);
            assembler = probe::ReplyAssembler();  // the probe gives up on the session here
            continue;
        }
        fuzz::require(parsed.has_value(), "a line the line parser refused was taken into a reply", line);
        if (*reply) {
            const auto& done = **reply;
            fuzz::require(done.code == parsed->code, "a reply whose code is not its last line's", line);
            fuzz::require(!done.lines.empty() && done.lines.size() <= probe::k_max_reply_lines,
                          "a reply with no lines or more than the cap");
            fuzz::require(done.lines.back() == parsed->text, "the last line's text is not the reply's last line");
            fuzz::require(done.positive() == (done.code < 400), "positive() disagrees with the code");
        }
    }
    return 0;
}
