// The --state file: one entry both ways, the version line, and a run's cycle on a real file (read the
// run's domains, record, commit), with the files it must refuse: damaged, newer, locked.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "relaymetry/app/state_file.hpp"

using namespace relaymetry;
using app::StateFile;
using app::StateProblem;

namespace {

DomainSnapshot sample(std::string domain, std::string id = "1") {
    DomainSnapshot snapshot;
    snapshot.domain = std::move(domain);
    snapshot.checked_at = 1795867200;
    snapshot.mx = std::vector<std::string>{"mx1.example.com"};
    snapshot.mta_sts_txt = std::vector<std::string>{"v=STSv1; id=" + id + ";\t\"\x1b"};
    snapshot.sts_id = id;
    snapshot.policy = PolicySnapshot{std::string(64, 'f'), "enforce", 604800, {"mx1.example.com"}, 1795860000, id};
    snapshot.keys = std::vector<KeySnapshot>{{"mail.example.com", 465, "192.0.2.10", std::string(64, 'a'), 1800000000}};
    return snapshot;
}

struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("relaymetry-state-test-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("state entry: a snapshot survives the round trip, network bytes cannot break the line") {
    const auto snapshot = sample("example.com");
    const auto line = app::state_entry(snapshot);
    CHECK(line.rfind("example.com\t{", 0) == 0);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\t', 12) == std::string::npos);  // the record's TAB is escaped
    CHECK(app::parse_state_entry(line) == snapshot);

    DomainSnapshot bare;  // areas not checked stay absent
    bare.domain = "bare.example";
    CHECK(app::parse_state_entry(app::state_entry(bare)) == bare);

    CHECK_FALSE(app::parse_state_entry("example.com {}"));
    CHECK_FALSE(app::parse_state_entry("example.com\t{\"checked_at\": \"yesterday\"}"));
    CHECK_FALSE(app::parse_state_entry(line.substr(0, line.size() - 5)));
    // Found by tests/fuzz/state_file: numbers nlohmann would convert with undefined behaviour or change,
    // and domains relaymetry never writes, are damaged entries.
    CHECK_FALSE(app::parse_state_entry("example.com\t{\"checked_at\": 1764547266666666666666766663333}"));
    CHECK_FALSE(app::parse_state_entry("example.com\t{\"checked_at\": 1.5}"));
    CHECK_FALSE(app::parse_state_entry(
        "example.com\t{\"checked_at\":0,\"keys\":[{\"host\":\"h\",\"port\":70000,\"address\":\"a\","
        "\"spki_sha256\":\"s\",\"not_after\":0}]}"));
    constexpr char k_nul_in_domain[] = "exa\0mple.com\t{\"checked_at\":0}";
    CHECK_FALSE(app::parse_state_entry(std::string_view(k_nul_in_domain, sizeof k_nul_in_domain - 1)));
    CHECK(app::parse_state_entry("example.com\t{\"checked_at\":0}"));
}

TEST_CASE("state entries are ASCII: TXT strings from the network are escaped") {
    DomainSnapshot snapshot;
    snapshot.domain = "example.com";
    snapshot.mta_sts_txt = std::vector<std::string>{"v=STSv1; id=1\x7f\xc2\x89\xe2\x80\xae"};
    const auto line = app::state_entry(snapshot);
    CHECK(line.find("\\u0089") != std::string::npos);
    CHECK(line.find("\\u202e") != std::string::npos);
    CHECK(std::all_of(line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    CHECK(app::parse_state_entry(line) == snapshot);
}

TEST_CASE("state version line") {
    CHECK(app::state_version("# relaymetry state v1") == 1);
    CHECK(app::state_version("# relaymetry state v27") == 27);
    CHECK_FALSE(app::state_version("# ninja log v5"));
    CHECK_FALSE(app::state_version("# relaymetry state v"));
    CHECK_FALSE(app::state_version("# relaymetry state v1x"));
}

TEST_CASE("state file: a run reads its domains, records them, and keeps the others") {
    TempDir dir;
    const auto path = dir.path / "state";
    StateProblem problem;
    {
        auto state = StateFile::open(path, false, {"a.example", "b.example"}, problem);
        REQUIRE(state);
        CHECK_FALSE(state->take_previous("a.example"));  // a first run
        state->record(sample("a.example"));
        state->record(sample("b.example"));
        std::string error;
        REQUIRE(state->commit(error));
    }
    CHECK(read(path).rfind("# relaymetry state v1\n", 0) == 0);
    {
        auto state = StateFile::open(path, false, {"a.example"}, problem);
        REQUIRE(state);
        CHECK(state->take_previous("a.example") == sample("a.example"));
        CHECK_FALSE(state->take_previous("b.example"));  // not this run's: not read
        state->record(sample("a.example", "2"));
        std::string error;
        REQUIRE(state->commit(error));
    }
    auto state = StateFile::open(path, false, {"a.example", "b.example"}, problem);
    REQUIRE(state);
    CHECK(state->take_previous("a.example") == sample("a.example", "2"));
    CHECK(state->take_previous("b.example") == sample("b.example"));  // carried over unchanged
    CHECK(std::filesystem::exists(dir.path / "state.tmp"));           // this run's entries go there first
    state.reset();
    CHECK_FALSE(std::filesystem::exists(dir.path / "state.tmp"));
}

TEST_CASE("state file: a run that does not commit leaves the file as it was") {
    TempDir dir;
    const auto path = dir.path / "state";
    write(path, "# relaymetry state v1\n" + app::state_entry(sample("a.example")) + "\n");
    const auto before = read(path);
    StateProblem problem;
    {
        auto state = StateFile::open(path, false, {"a.example"}, problem);
        REQUIRE(state);
        state->record(sample("a.example", "9"));
    }
    CHECK(read(path) == before);
    CHECK_FALSE(std::filesystem::exists(dir.path / "state.tmp"));
}

TEST_CASE("state file: damaged, foreign and newer files are refused and left untouched, unless reset") {
    TempDir dir;
    const auto path = dir.path / "state";
    const auto entry = app::state_entry(sample("a.example"));
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"# relaymetry state v2\n" + entry + "\n", "newer relaymetry"},
        {"{\"not\": \"a state file\"}\n", "not a relaymetry state file"},
        {"# relaymetry state v1\n" + entry.substr(0, entry.size() - 3), "line 2 is damaged"},
        {"# relaymetry state v1\n" + entry, "line 2 is damaged"},  // no final newline: cut short
        {"# relaymetry state v1\nexample.com\t{\"checked_at\": 1\n", "line 2 is damaged"},
    };
    for (const auto& [text, message] : cases) {
        INFO(message);
        write(path, text);
        StateProblem problem;
        CHECK_FALSE(StateFile::open(path, false, {"a.example"}, problem));
        CHECK(problem.check_anyway);
        CHECK(problem.message.find(message) != std::string::npos);
        CHECK(problem.message.find("--state-reset") != std::string::npos);
        CHECK(read(path) == text);

        auto state = StateFile::open(path, true, {"a.example"}, problem);
        REQUIRE(state);
        CHECK_FALSE(state->take_previous("a.example"));
        state->record(sample("a.example"));
        std::string error;
        REQUIRE(state->commit(error));
        CHECK(read(path) == "# relaymetry state v1\n" + entry + "\n");
    }
}

TEST_CASE("state file: a second run on the same file is refused while the first holds it") {
    TempDir dir;
    const auto path = dir.path / "state";
    StateProblem problem;
    auto first = StateFile::open(path, false, {"a.example"}, problem);
    REQUIRE(first);
    CHECK_FALSE(StateFile::open(path, false, {"a.example"}, problem));
    CHECK_FALSE(problem.check_anyway);
    CHECK(problem.message.find("another relaymetry run") != std::string::npos);
    first.reset();
    CHECK(StateFile::open(path, false, {"a.example"}, problem));
}

TEST_CASE("state file: --state-reset leaves a valid file's entries alone, and a new file keeps FILE's mode") {
    TempDir dir;
    const auto path = dir.path / "state";
    write(path, "# relaymetry state v1\n" + app::state_entry(sample("a.example")) + "\n" +
                    app::state_entry(sample("b.example")) + "\n");
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    StateProblem problem;
    {
        auto state = StateFile::open(path, true, {"a.example"}, problem);
        REQUIRE(state);
        CHECK(state->take_previous("a.example") == sample("a.example"));
        state->record(sample("a.example", "2"));
        std::string error;
        REQUIRE(state->commit(error));
    }
    CHECK(std::filesystem::status(path).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto state = StateFile::open(path, false, {"b.example"}, problem);
    REQUIRE(state);
    CHECK(state->take_previous("b.example") == sample("b.example"));
}
