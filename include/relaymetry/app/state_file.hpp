#pragma once
// `check --state FILE`: what each domain looked like at its last check, for the drift.* rules.
//
// The format (docs/cli.md "--state"), after ninja's build log: a first line naming the version,
//     # relaymetry state v1
// then one line per domain, the domain, a TAB and its snapshot as one JSON object. A domain's first
// line counts (a rewrite keeps exactly one per domain). Reading streams the file and keeps only the lines of
// the run's domains (unparsed until asked for); the run's snapshots are streamed into FILE.tmp as each
// domain finishes, the old lines of the other domains are copied after them, and FILE.tmp is renamed
// over FILE (fsync first): a crash or a kill at any point leaves the old file or the new one, whole.
// FILE.lock (flock) keeps a second run off the same file.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "relaymetry/core/snapshot.hpp"

namespace relaymetry::app {

inline constexpr int k_state_version = 1;

// The pure half: one line of the file, both ways. parse_state_entry returns nothing for a line that is
// not "domain TAB {json}" with the fields of a snapshot.
std::string state_entry(const DomainSnapshot& snapshot);
std::optional<DomainSnapshot> parse_state_entry(std::string_view line);
// The version a first line names ("# relaymetry state v1" -> 1), or nothing when it names none.
std::optional<int> state_version(std::string_view first_line);

// Why --state cannot be used as given. `check_anyway`: the domains are still checked, without drift
// rules and without touching the file, and the run exits 2 (a corrupt or newer file); otherwise the run
// is refused (the file is locked by another run, or cannot be created).
struct StateProblem {
    std::string message;  // one line, naming the file
    bool check_anyway = false;
};

class StateFile {
public:
    // Locks `path` and reads the entries of `domains`; with `reset`, a file that is damaged or of
    // another version is ignored and replaced at commit() instead of refused (a valid one is read).
    static std::unique_ptr<StateFile> open(const std::filesystem::path& path, bool reset,
                                           const std::vector<std::string>& domains, StateProblem& problem);
    ~StateFile();
    StateFile(const StateFile&) = delete;
    StateFile& operator=(const StateFile&) = delete;

    // The previous run's snapshot of `domain` (each is handed out once).
    std::optional<DomainSnapshot> take_previous(const std::string& domain);
    // This run's snapshot of a domain, written to FILE.tmp at once.
    void record(const DomainSnapshot& snapshot);
    // Completes FILE.tmp with the other domains' entries and renames it over FILE. False (with `error`
    // set) when it could not; FILE is then unchanged.
    bool commit(std::string& error);

private:
    StateFile() = default;
    void note_write(bool ok);  // the first failure's reason is kept for commit()

    std::filesystem::path m_path;
    std::filesystem::path m_temp;
    int m_lock = -1;
    std::FILE* m_out = nullptr;
    bool m_reset = false;
    bool m_failed = false;                                    // a write to FILE.tmp failed: commit() refuses
    std::string m_failure;                                    // why (the first failure's errno text)
    std::unordered_map<std::string, std::string> m_previous;  // domain -> its JSON, unparsed
    std::set<std::string> m_recorded;
};

}  // namespace relaymetry::app
