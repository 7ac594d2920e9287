// Every output format of `check` (text, JSON Lines, Nagios, Prometheus, JUnit) on facts full of text
// from the network: the input's NUL-separated parts become an SRV target, a probed address and its
// error, an SMTP banner, EHLO lines, the TLS cipher, an MX host, a DNS failure's text, the MTA-STS TXT
// record and policy body, and the TLS-RPT record; the first byte picks the probe status and the
// format options. Whatever the bytes, the output is valid UTF-8 without raw control characters (but
// the line feeds, and colour in text), every JSON line parses, and the Prometheus text has no line
// that is neither a comment nor a sample.
#include <array>
#include <string>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/policy/mta_sts_policy.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"
#include "relaymetry/policy/tls_rpt.hpp"
#include "relaymetry/report/run_output.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;

namespace {

constexpr std::array k_statuses = {ProbeStatus::ok,
                                   ProbeStatus::refused,
                                   ProbeStatus::timeout,
                                   ProbeStatus::no_starttls,
                                   ProbeStatus::starttls_rejected,
                                   ProbeStatus::tls_failed,
                                   ProbeStatus::protocol_error,
                                   ProbeStatus::inconclusive,
                                   ProbeStatus::not_probed};
constexpr std::array k_formats = {report::Format::text, report::Format::json, report::Format::nagios,
                                  report::Format::prometheus, report::Format::junit};

DomainFacts facts_from(const std::vector<std::string>& part, std::uint8_t choice) {
    DomainFacts facts;
    facts.domain = "example.com";
    facts.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1764547200));

    SubmissionFacts submission;
    submission.source = DiscoverySource::srv;
    submission.srv.push_back({"_submissions._tcp", 0, 1, 465, part[0]});
    Endpoint endpoint;
    endpoint.host = part[0];
    endpoint.port = 465;
    endpoint.from_srv = true;
    endpoint.resolution.host = part[0];
    endpoint.resolution.addresses = {part[1]};
    AddressProbe probe;
    probe.address = part[1];
    probe.status = k_statuses[choice % k_statuses.size()];
    if (probe.status != ProbeStatus::ok) {
        probe.error = part[2];
    }
    probe.smtp.banner = part[3];
    probe.smtp.ehlo = fuzz::split(part[4], '\n', 8);
    probe.timings_ms.connect = 1;
    if (probe.status == ProbeStatus::ok) {
        TlsFacts tls;
        tls.version = TlsVersion::tls1_2;
        tls.cipher = part[5];
        tls.cipher_iana = part[5];
        probe.tls = std::move(tls);
    }
    endpoint.addresses.push_back(std::move(probe));
    submission.endpoints.push_back(std::move(endpoint));
    CapReached cap;
    cap.limit = "address probes per domain (submission): 32";
    leave_out(cap, part[1] + " of " + part[0]);
    submission.caps.push_back(std::move(cap));
    LookupFailure failure;
    failure.name = part[6];
    failure.type = RecordType::srv;
    failure.status = LookupStatus::servfail;
    failure.error = part[7];
    submission.lookup_failures.push_back(std::move(failure));
    facts.submission = std::move(submission);

    MxFacts mx;
    mx.status = LookupStatus::answer;
    mx.records.push_back({10, part[6]});
    HostAddresses host;
    host.host = part[6];
    host.v4_status = LookupStatus::answer;
    host.addresses = {part[1]};
    mx.hosts.push_back(std::move(host));
    facts.mx = std::move(mx);

    MtaStsFacts mta_sts;
    mta_sts.txt = policy::mta_sts_txt_facts(LookupStatus::answer, {part[8]});
    MtaStsPolicyFacts fetched;
    fetched.url = "https://mta-sts.example.com/.well-known/mta-sts.txt";
    fetched.status = PolicyFetchStatus::fetched;
    fetched.body = part[9];
    fetched.parse = policy::parse_mta_sts_policy(part[9]);
    mta_sts.mx_coverage = policy::mx_coverage(fetched.parse->mx, {part[6]});
    mta_sts.unused_mx_patterns = policy::unused_mx_patterns(fetched.parse->mx, {part[6]});
    mta_sts.policy = std::move(fetched);
    facts.mta_sts = std::move(mta_sts);
    facts.tls_rpt = policy::tls_rpt_facts(LookupStatus::answer, {part[10]});
    return facts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    auto part = fuzz::split(fuzz::as_text(data + 1, size - 1), '\0', 11);
    part.resize(11);
    auto facts = facts_from(part, data[0]);
    rules::settle(facts);
    const auto findings = rules::evaluate(facts, rules::RuleOptions{});

    for (const auto format : k_formats) {
        report::RunOutputOptions options;
        options.format = format;
        options.text.color = (data[0] & 0x80) != 0;
        options.text.timings = (data[0] & 0x40) != 0;
        auto output = report::make_run_output(options);
        std::string text = output->begin();
        const report::DomainOutcome outcome{facts.domain, &facts, &findings, false, std::nullopt};
        text += output->print(output->render(outcome));
        text += output->end({"'" + part[2] + "': refused input"});
        const auto name = std::string(report::to_string(format));
        switch (format) {
            case report::Format::json: fuzz::require_json_lines(text, name); break;
            case report::Format::text: fuzz::require_clean_text(fuzz::without_colour(text), "\n", name); break;
            case report::Format::prometheus:
                fuzz::require_clean_text(text, "\n", name);
                for (const auto& line : fuzz::split(text, '\n', text.size() + 1)) {
                    fuzz::require(line.empty() || line.starts_with("# ") || line.starts_with("relaymetry_"),
                                  "a Prometheus line that is neither a comment nor a relaymetry sample", line);
                }
                break;
            default: fuzz::require_clean_text(text, "\n", name);
        }
    }
    return 0;
}
