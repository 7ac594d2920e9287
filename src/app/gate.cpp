#include "relaymetry/app/gate.hpp"

#include <algorithm>

namespace relaymetry::app {

bool Gate::ignored(const Finding& finding) const {
    return std::any_of(ignore.begin(), ignore.end(), [&](const std::string& pattern) {
        if (pattern.size() > 2 && pattern.ends_with(".*")) {
            return finding.id.starts_with(pattern.substr(0, pattern.size() - 1));
        }
        return finding.id == pattern;
    });
}

bool Gate::fails(const Findings& findings) const {
    if (!fail_on) {
        return false;
    }
    return std::any_of(findings.begin(), findings.end(),
                       [&](const Finding& finding) { return finding.severity >= *fail_on; });
}

}  // namespace relaymetry::app
