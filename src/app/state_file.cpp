#include "relaymetry/app/state_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_set>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "relaymetry/policy/host_name.hpp"

namespace relaymetry::app {

namespace {

using nlohmann::json;

constexpr std::string_view k_header_prefix = "# relaymetry state v";

std::string header() {
    return std::string(k_header_prefix) + std::to_string(k_state_version);
}

std::string quoted_path(const std::filesystem::path& path) {
    return "--state " + path.string();
}

std::string errno_text() {
    return std::strerror(errno);
}

json strings(const std::vector<std::string>& items) {
    return json(items);
}

template <typename T>
void put(json& object, const char* key, const std::optional<T>& value) {
    if (value) {
        object[key] = *value;
    }
}

// A number nlohmann would convert with undefined behaviour (one too large for T, read as a double) or
// change (a fraction, one out of T's range) is not taken: the entry is damaged.
struct DamagedEntry {};

template <typename T>
T whole_number(const json& value) {
    if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (std::in_range<T>(number)) {
            return static_cast<T>(number);
        }
    } else if (value.is_number_integer()) {
        const auto number = value.get<std::int64_t>();
        if (std::in_range<T>(number)) {
            return static_cast<T>(number);
        }
    }
    throw DamagedEntry{};
}

std::optional<std::vector<std::string>> string_list(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end()) {
        return std::nullopt;
    }
    return found->get<std::vector<std::string>>();
}

std::optional<std::string> string_value(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end()) {
        return std::nullopt;
    }
    return found->get<std::string>();
}

// The domain of a line ("domain TAB {...}"), or empty when the line has no such shape.
std::string_view domain_of_line(std::string_view line) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0 || line.size() < tab + 3 || line[tab + 1] != '{' ||
        line.back() != '}') {
        return {};
    }
    // relaymetry writes only normalised domains: anything else (a control character, a space) was
    // not written by it, and must not reach a report or the file again.
    const auto domain = line.substr(0, tab);
    return policy::host_name_problem(domain) ? std::string_view() : domain;
}

// Every line of `path` after the first, each with whether it ended in a newline.
template <typename Visit>
void for_each_entry(std::ifstream& in, Visit visit) {
    std::string line;
    while (std::getline(in, line)) {
        visit(line, !in.eof());
    }
}

}  // namespace

std::string state_entry(const DomainSnapshot& snapshot) {
    json object = json::object();
    object["checked_at"] = snapshot.checked_at;
    if (snapshot.mx) {
        object["mx"] = strings(*snapshot.mx);
    }
    if (snapshot.mta_sts_txt) {
        object["mta_sts_txt"] = strings(*snapshot.mta_sts_txt);
    }
    put(object, "sts_id", snapshot.sts_id);
    if (snapshot.policy) {
        const auto& policy = *snapshot.policy;
        json entry = {{"sha256", policy.sha256},
                      {"mode", policy.mode},
                      {"max_age", policy.max_age},
                      {"mx", strings(policy.mx)},
                      {"fetched_at", policy.fetched_at}};
        put(entry, "id", policy.id);
        object["policy"] = std::move(entry);
    }
    if (snapshot.tls_rpt_txt) {
        object["tls_rpt_txt"] = strings(*snapshot.tls_rpt_txt);
    }
    if (snapshot.keys) {
        json keys = json::array();
        for (const auto& key : *snapshot.keys) {
            keys.push_back({{"host", key.host},
                            {"port", key.port},
                            {"address", key.address},
                            {"spki_sha256", key.spki_sha256},
                            {"not_after", key.not_after}});
        }
        object["keys"] = std::move(keys);
    }
    // Strings from the network (TXT records) are JSON-escaped here, non-ASCII included: the line never
    // holds a raw TAB or newline of theirs, so a record cannot break the line structure, and `cat FILE`
    // cannot send a terminal a C1 control or a bidi override.
    return snapshot.domain + "\t" + object.dump(-1, ' ', true, json::error_handler_t::replace);
}

std::optional<DomainSnapshot> parse_state_entry(std::string_view line) {
    const auto domain = domain_of_line(line);
    if (domain.empty()) {
        return std::nullopt;
    }
    try {
        const auto object = json::parse(line.substr(domain.size() + 1));
        DomainSnapshot snapshot;
        snapshot.domain = std::string(domain);
        snapshot.checked_at = whole_number<std::int64_t>(object.at("checked_at"));
        snapshot.mx = string_list(object, "mx");
        snapshot.mta_sts_txt = string_list(object, "mta_sts_txt");
        snapshot.sts_id = string_value(object, "sts_id");
        if (const auto policy = object.find("policy"); policy != object.end()) {
            PolicySnapshot entry;
            entry.sha256 = policy->at("sha256").get<std::string>();
            entry.mode = policy->at("mode").get<std::string>();
            entry.max_age = whole_number<std::int64_t>(policy->at("max_age"));
            entry.mx = policy->at("mx").get<std::vector<std::string>>();
            entry.fetched_at = whole_number<std::int64_t>(policy->at("fetched_at"));
            entry.id = string_value(*policy, "id");
            snapshot.policy = std::move(entry);
        }
        snapshot.tls_rpt_txt = string_list(object, "tls_rpt_txt");
        if (const auto keys = object.find("keys"); keys != object.end()) {
            std::vector<KeySnapshot> list;
            for (const auto& key : *keys) {
                list.push_back({key.at("host").get<std::string>(), whole_number<std::uint16_t>(key.at("port")),
                                key.at("address").get<std::string>(), key.at("spki_sha256").get<std::string>(),
                                whole_number<std::int64_t>(key.at("not_after"))});
            }
            snapshot.keys = std::move(list);
        }
        return snapshot;
    } catch (const json::exception&) {
        return std::nullopt;
    } catch (const DamagedEntry&) {
        return std::nullopt;
    }
}

std::optional<int> state_version(std::string_view first_line) {
    if (first_line.substr(0, k_header_prefix.size()) != k_header_prefix) {
        return std::nullopt;
    }
    const auto digits = first_line.substr(k_header_prefix.size());
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::stoi(std::string(digits));
}

std::unique_ptr<StateFile> StateFile::open(const std::filesystem::path& path, bool reset,
                                           const std::vector<std::string>& domains, StateProblem& problem) {
    std::unique_ptr<StateFile> state(new StateFile());
    state->m_path = path;
    state->m_temp = path.string() + ".tmp";
    state->m_reset = reset;
    const auto lock_path = path.string() + ".lock";
    state->m_lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (state->m_lock < 0) {
        problem = {quoted_path(path) + ": cannot create the lock file " + lock_path + ": " + errno_text(), false};
        return nullptr;
    }
    if (::flock(state->m_lock, LOCK_EX | LOCK_NB) != 0) {
        problem = {quoted_path(path) + ": another relaymetry run is using this state file (" + lock_path +
                       " is locked); run one check at a time per state file",
                   false};
        return nullptr;
    }
    std::error_code exists_error;
    const bool exists = std::filesystem::exists(path, exists_error);
    std::ifstream in(path);
    if (exists && !in) {
        problem = {quoted_path(path) + ": cannot read it: " + errno_text(), false};
        return nullptr;
    }
    // --state-reset replaces only what cannot be read as a state file: a valid one is read as always.
    const auto refuse = [&](StateProblem found) {
        if (!reset) {
            problem = std::move(found);
            return true;
        }
        state->m_previous.clear();
        state->m_reset = true;  // nothing of it is copied at commit()
        return false;
    };
    state->m_reset = false;
    if (in) {
        std::string first;
        std::getline(in, first);
        const auto version = state_version(first);
        if (!version) {
            if (refuse({quoted_path(path) + ": not a relaymetry state file (its first line is not \"" + header() +
                            "\"); left untouched: give --state-reset to replace it",
                        true})) {
                return nullptr;
            }
        } else if (*version != k_state_version) {
            if (refuse({quoted_path(path) + ": state format v" + std::to_string(*version) +
                            ", this relaymetry reads v" + std::to_string(k_state_version) +
                            (*version > k_state_version ? " (written by a newer relaymetry)" : "") +
                            "; left untouched: give --state-reset to replace it",
                        true})) {
                return nullptr;
            }
        }
    }
    if (in && !state->m_reset) {
        const std::unordered_set<std::string> wanted(domains.begin(), domains.end());
        std::size_t line_number = 1;
        std::optional<std::size_t> bad_line;
        for_each_entry(in, [&](const std::string& line, bool ended) {
            ++line_number;
            if (bad_line) {
                return;
            }
            const auto domain = std::string(domain_of_line(line));
            const bool needed = !domain.empty() && wanted.contains(domain) && !state->m_previous.contains(domain);
            if (domain.empty() || !ended || (needed && !parse_state_entry(line))) {
                bad_line = line_number;
                return;
            }
            if (needed) {
                state->m_previous.emplace(domain, line);
            }
        });
        if (in.bad()) {
            problem = {quoted_path(path) + ": cannot read it: " + errno_text(), false};
            return nullptr;
        }
        if (bad_line && refuse({quoted_path(path) + ": line " + std::to_string(*bad_line) +
                                    " is damaged (not \"domain TAB {json}\", or cut short); left untouched: give "
                                    "--state-reset to replace it",
                                true})) {
            return nullptr;
        }
    }
    // A fresh file (never through a link planted at FILE.tmp), with the permissions FILE has.
    ::unlink(state->m_temp.c_str());
    struct stat existing {};
    const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
    const int fd = ::open(state->m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    state->m_out = fd >= 0 ? ::fdopen(fd, "w") : nullptr;
    if (state->m_out == nullptr) {
        if (fd >= 0) {
            ::close(fd);
        }
        problem = {quoted_path(path) + ": cannot write " + state->m_temp.string() + ": " + errno_text(), false};
        return nullptr;
    }
    state->note_write(std::fprintf(state->m_out, "%s\n", header().c_str()) >= 0);
    return state;
}

StateFile::~StateFile() {
    if (m_out != nullptr) {
        std::fclose(m_out);
        std::filesystem::remove(m_temp);
    }
    if (m_lock >= 0) {
        ::close(m_lock);  // releases the flock
    }
}

std::optional<DomainSnapshot> StateFile::take_previous(const std::string& domain) {
    const auto found = m_previous.find(domain);
    if (found == m_previous.end()) {
        return std::nullopt;
    }
    auto snapshot = parse_state_entry(found->second);  // validated when read
    m_previous.erase(found);
    return snapshot;
}

void StateFile::record(const DomainSnapshot& snapshot) {
    if (m_out == nullptr || !m_recorded.insert(snapshot.domain).second) {
        return;
    }
    const auto line = state_entry(snapshot) + "\n";
    note_write(std::fwrite(line.data(), 1, line.size(), m_out) == line.size());
}

void StateFile::note_write(bool ok) {
    if (!ok && !m_failed) {
        m_failed = true;
        m_failure = errno_text();  // the first failure's errno, before anything else can change it
    }
}

bool StateFile::commit(std::string& error) {
    if (m_out == nullptr) {
        error = "nothing to write";
        return false;
    }
    if (!m_reset) {
        // The domains this run did not check keep their entries (the first line of each).
        std::ifstream in(m_path);
        std::string first;
        if (in && std::getline(in, first)) {
            std::unordered_set<std::string> copied;
            for_each_entry(in, [&](const std::string& line, bool) {
                auto domain = std::string(domain_of_line(line));
                if (!domain.empty() && !m_recorded.contains(domain) && copied.insert(domain).second) {
                    note_write(std::fprintf(m_out, "%s\n", line.c_str()) >= 0);
                }
            });
            if (in.bad()) {
                m_failed = true;
                m_failure = "reading " + m_path.string() + " again: " + errno_text();
            }
        }
    }
    note_write(std::fflush(m_out) == 0 && ::fsync(::fileno(m_out)) == 0);
    std::fclose(m_out);
    m_out = nullptr;
    if (!m_failed && std::rename(m_temp.c_str(), m_path.c_str()) != 0) {
        note_write(false);
    }
    if (m_failed) {
        error = "could not write " + m_path.string() + ": " + m_failure + " (the previous state is kept)";
        std::filesystem::remove(m_temp);
        return false;
    }
    // The rename itself must survive a power cut, not just a kill.
    const auto directory = m_path.has_parent_path() ? m_path.parent_path() : std::filesystem::path(".");
    if (const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    return true;
}

}  // namespace relaymetry::app
