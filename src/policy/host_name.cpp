#include "relaymetry/policy/host_name.hpp"

#include "text.hpp"

namespace relaymetry::policy {

using detail::is_alnum;
using detail::is_digit;
using detail::quote;

std::optional<std::string> host_name_problem(std::string_view name) {
    if (name.empty()) {
        return "the name is empty";
    }
    if (name.size() > k_max_name_length) {
        return "the name is " + std::to_string(name.size()) + " characters long; at most " +
               std::to_string(k_max_name_length) + " are allowed";
    }
    std::string_view last_label;
    std::string_view rest = name;
    while (true) {
        const auto dot = rest.find('.');
        const auto label = rest.substr(0, dot);
        if (label.empty()) {
            return std::string("the name has an empty label (a leading dot, a trailing dot, or two dots in a row)");
        }
        if (label.size() > k_max_label_length) {
            return "label " + quote(label, 20) + " is " + std::to_string(label.size()) + " characters; at most " +
                   std::to_string(k_max_label_length) + " are allowed";
        }
        for (char c : label) {
            if (!is_alnum(c) && c != '-') {
                return "label " + quote(label) + " contains " + quote(std::string_view(&c, 1)) +
                       "; only letters, digits and hyphens are allowed in a host name";
            }
        }
        if (label.front() == '-') {
            return "label " + quote(label) + " starts with a hyphen";
        }
        if (label.back() == '-') {
            return "label " + quote(label) + " ends with a hyphen";
        }
        last_label = label;
        if (dot == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(dot + 1);
    }
    bool numeric = true;
    for (char c : last_label) {
        numeric = numeric && is_digit(c);
    }
    if (numeric) {
        return "the last label " + quote(last_label) +
               " is all digits: that is an IP address or a typo, and no top-level domain is numeric";
    }
    return std::nullopt;
}

}  // namespace relaymetry::policy
