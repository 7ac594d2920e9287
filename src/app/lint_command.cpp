#include "relaymetry/app/lint_command.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/policy/mta_sts_policy.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"
#include "relaymetry/policy/tls_rpt.hpp"
#include "relaymetry/rules/rules.hpp"

namespace relaymetry::app {

namespace {

// A policy file is read a little past the limit senders apply, so "too large" can be told.
constexpr std::size_t k_policy_read_cap = k_max_policy_bytes + 1;

std::optional<std::string> read_capped(std::istream& stream, std::size_t cap) {
    std::string content(cap, '\0');
    stream.read(content.data(), static_cast<std::streamsize>(cap));
    if (stream.bad()) {
        return std::nullopt;
    }
    content.resize(static_cast<std::size_t>(stream.gcount()));
    return content;
}

report::LintReport lint_policy(const std::string& body, const std::vector<std::string>& mx_hosts) {
    report::LintReport lint;
    lint.kind = "mta-sts-policy";
    MtaStsPolicyFacts policy;
    policy.url = "(local file)";
    if (body.size() > k_max_policy_bytes) {
        policy.status = PolicyFetchStatus::too_large;
    } else {
        policy.status = PolicyFetchStatus::fetched;
        policy.body = body;
        policy.parse = policy::parse_mta_sts_policy(body);
    }
    MtaStsFacts mta_sts;
    if (!mx_hosts.empty()) {
        MxFacts mx;
        mx.status = LookupStatus::answer;
        for (const auto& host : mx_hosts) {
            mx.records.push_back({0, host});
        }
        if (policy.parse) {
            mta_sts.mx_coverage = policy::mx_coverage(policy.parse->mx, mx_hosts);
            mta_sts.unused_mx_patterns = policy::unused_mx_patterns(policy.parse->mx, mx_hosts);
        }
        lint.facts.mx = std::move(mx);
    }
    mta_sts.policy = std::move(policy);
    lint.facts.mta_sts = std::move(mta_sts);
    return lint;
}

// In DNS, records that do not begin with the version tag are someone else's and are ignored
// (RFC 8461 §3.1, RFC 8460 §3). Records given to lint are meant to be this kind: when none has the
// tag, the first is judged as invalid, so the user learns why (e.g. "v=stsv1": case matters).
report::LintReport lint_mta_sts_txt(const std::vector<std::string>& records) {
    report::LintReport lint;
    lint.kind = "mta-sts-txt";
    MtaStsFacts mta_sts;
    mta_sts.txt = policy::mta_sts_txt_facts(LookupStatus::answer, records);
    if (mta_sts.txt->status == TxtStatus::not_published) {
        mta_sts.txt->status = TxtStatus::invalid;
        mta_sts.txt->parse = policy::parse_mta_sts_txt(records.front());
    }
    lint.facts.mta_sts = std::move(mta_sts);
    return lint;
}

report::LintReport lint_tls_rpt(const std::vector<std::string>& records) {
    report::LintReport lint;
    lint.kind = "tls-rpt";
    auto tls_rpt = policy::tls_rpt_facts(LookupStatus::answer, records);
    if (tls_rpt.status == TxtStatus::not_published) {
        tls_rpt.status = TxtStatus::invalid;
        tls_rpt.parse = policy::parse_tls_rpt(records.front());
    }
    lint.facts.tls_rpt = std::move(tls_rpt);
    return lint;
}

}  // namespace

ExitCode run_lint(const LintRun& run, std::istream& in, std::ostream& out, std::ostream& err) {
    report::LintReport lint;
    switch (run.kind) {
        case LintKind::mta_sts_policy: {
            const std::string& path = run.inputs.front();
            std::optional<std::string> body;
            if (path == "-") {
                body = read_capped(in, k_policy_read_cap);
            } else {
                std::ifstream file(path, std::ios::binary);
                if (file) {
                    body = read_capped(file, k_policy_read_cap);
                }
            }
            if (!body) {
                err << "relaymetry: " << report::escape_untrusted(path) << ": cannot read the policy file\n";
                return ExitCode::usage;
            }
            lint = lint_policy(*body, run.mx);
            break;
        }
        case LintKind::mta_sts_txt: lint = lint_mta_sts_txt(run.inputs); break;
        case LintKind::tls_rpt: lint = lint_tls_rpt(run.inputs); break;
    }
    lint.facts.domain = run.domain;
    rules::settle(lint.facts);
    switch (run.kind) {
        case LintKind::mta_sts_policy: lint.valid = rules::sender_accepts(*lint.facts.mta_sts->policy); break;
        case LintKind::mta_sts_txt: lint.valid = rules::sender_accepts(*lint.facts.mta_sts->txt); break;
        case LintKind::tls_rpt: lint.valid = rules::sender_accepts(*lint.facts.tls_rpt); break;
    }
    auto findings = rules::evaluate(lint.facts, rules::RuleOptions{});
    std::erase_if(findings, [&](const Finding& finding) { return run.gate.ignored(finding); });
    lint.findings = std::move(findings);
    switch (run.format) {
        case report::Format::json: out << report::render_lint_json(lint) << '\n'; break;
        case report::Format::junit: out << report::render_lint_junit(lint, run.gate.fail_on); break;
        default: out << report::render_lint_text(lint, run.text); break;
    }
    return run.gate.fails(lint.findings) ? ExitCode::findings : ExitCode::ok;
}

}  // namespace relaymetry::app
