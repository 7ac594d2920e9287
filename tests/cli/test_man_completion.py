"""The man page and the shell completions against the CLI itself.

Every option that a subcommand's --help prints must be in man/relaymetry.1 (in that subcommand's OPTIONS
part), in completions/relaymetry.bash and in completions/_relaymetry. The bash completion is driven for
real (COMP_WORDS, the function, COMPREPLY), with the built binary first on PATH as an installed one
would be; the value sets it offers must be those the CLI accepts. The man page must render without
warnings, and zsh must parse the zsh completion."""

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

from harness import BINARY, SOURCE, run

MAN_PAGE = SOURCE / "man" / "relaymetry.1"
BASH_COMPLETION = SOURCE / "completions" / "relaymetry.bash"
ZSH_COMPLETION = SOURCE / "completions" / "_relaymetry"

# Each command line whose --help is read, and the part of the man page's OPTIONS that documents it.
COMMANDS = {
    (): "Global options",
    ("check",): "Options of check",
    ("lint", "mta-sts-policy"): "Options of lint",
    ("lint", "mta-sts-txt"): "Options of lint",
    ("lint", "tls-rpt"): "Options of lint",
    ("rules",): "Options of rules",
}


def help_options(command):
    """{--long: [allowed values] or None} from `relaymetry COMMAND --help` (CLI11's option column)."""
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    options = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^  (-\S+)(?:\s+\S+?:\{([^}]*)\})?", line)  # "  -f,--file TEXT", "  --format TEXT:{a,b}"
        if not match:
            continue
        for name in match.group(1).split(","):
            if name.startswith("--"):
                options[name] = match.group(2).split(",") if match.group(2) else None
    assert options, f"no options parsed from: {result.stdout}"
    return options


def roff_text(line):
    """The text of one roff line: macro arguments joined as the man macros join them, escapes resolved."""
    alternating = {"BR", "BI", "IR", "RB", "IB", "RI"}
    match = re.match(r"^\.(\w+)\s*(.*)$", line)
    if match:
        macro, rest = match.groups()
        try:
            args = shlex.split(rest.replace("\\", "\\\\"), posix=True)
        except ValueError:
            args = rest.split()
        args = [arg.replace("\\\\", "\\") for arg in args]
        line = ("" if macro in alternating else " ").join(args)
    for escape, text in (("\\-", "-"), ("\\(aq", "'"), ("\\|", ""), ("\\&", ""), ("\\e", "\\")):
        line = line.replace(escape, text)
    return re.sub(r"\\f[BIRP]", "", line)


def man_sections():
    """{heading: [text lines]} for every .SH and .SS of the man page."""
    sections, heading = {}, ""
    for line in MAN_PAGE.read_text().splitlines():
        match = re.match(r'^\.S[HS]\s+"?([^"]*)"?\s*$', line)
        if match:
            heading = match.group(1)
            sections.setdefault(heading, [])
        elif not line.startswith('.\\"'):
            sections.setdefault(heading, []).append(line)
    return sections


def tagged_paragraphs(lines):
    """The tag of each .TP paragraph (the line after .TP), as text."""
    tags = []
    for index, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            tags.append(roff_text(lines[index + 1]))
    return tags


def contains_option(text, option):
    return re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text) is not None


def path_with_binary():
    directory = os.path.dirname(os.path.abspath(BINARY)) if os.sep in BINARY else None
    return os.pathsep.join(filter(None, [directory, os.environ.get("PATH", "")]))


def bash_complete(*words, cwd=None):
    """What the bash completion offers for `relaymetry WORDS...` (the last word is the one completed)."""
    script = ('source "$1"; shift; COMP_WORDS=(relaymetry "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; _relaymetry; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    env = dict(os.environ, PATH=path_with_binary())
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", str(BASH_COMPLETION), *words],
                            capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    if result.returncode != 0 or result.stderr:
        raise AssertionError(f"completion of {words} failed: {result.stderr}")
    return [line for line in result.stdout.splitlines() if line]


def rule_ids():
    result = run("rules")
    assert result.returncode == 0
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]


class ManPage(unittest.TestCase):
    def test_every_option_is_documented_with_its_subcommand(self):
        sections = man_sections()
        self.assertIn("OPTIONS", sections)
        for command, heading in COMMANDS.items():
            self.assertIn(heading, sections, "the man page lacks its OPTIONS part " + heading)
            text = "\n".join(roff_text(line) for line in sections[heading] + sections["Global options"])
            for option in help_options(command):
                with self.subTest(command=" ".join(command), option=option):
                    self.assertTrue(contains_option(text, option),
                                    f"{option} of `relaymetry {' '.join(command)}` is missing from "
                                    f"{MAN_PAGE.name}, part '{heading}'")

    def test_value_sets_match_the_cli(self):
        sections = man_sections()
        for command, heading in COMMANDS.items():
            tags = tagged_paragraphs(sections[heading])
            for option, values in help_options(command).items():
                if not values:
                    continue
                with self.subTest(command=" ".join(command), option=option):
                    tag = next((tag for tag in tags if tag.split(" ")[0] == option), None)
                    self.assertIsNotNone(tag, f"no .TP paragraph for {option} in '{heading}'")
                    self.assertEqual(set(tag.split(" ", 1)[1].split("|")), set(values), tag)

    def test_the_version_is_the_programs(self):
        version = run("--version").stdout.split()[-1]
        header = next(line for line in MAN_PAGE.read_text().splitlines() if line.startswith(".TH "))
        self.assertIn(f'"relaymetry {version}"', header, "update .TH in man/relaymetry.1 to the new version")

    def test_the_exit_statuses_are_documented(self):
        text = "\n".join(roff_text(line) for line in man_sections()["EXIT STATUS"])
        for word in ("--fail-on", "--format nagios", "WARNING", "CRITICAL", "UNKNOWN", "--warning-on",
                     "--critical-on"):
            self.assertIn(word, text)

    def test_the_environment_is_documented(self):
        # Every variable the program reads (std::getenv in src/) is in ENVIRONMENT.
        text = "\n".join(roff_text(line) for line in man_sections()["ENVIRONMENT"])
        for source in (SOURCE / "src").rglob("*.cpp"):
            for variable in re.findall(r'getenv\("([^"]+)"\)', source.read_text()):
                with self.subTest(variable=variable):
                    self.assertIn(variable, text, f"{source.name} reads {variable}")

    def test_renders_without_warnings(self):
        renderers = []
        if shutil.which("groff"):
            renderers.append(["groff", "-man", "-ww", "-z", str(MAN_PAGE)])
        if shutil.which("man"):
            renderers.append(["man", "--warnings", "-l", str(MAN_PAGE)])
        if not renderers:
            self.skipTest("neither groff nor man is installed (scripts/install-deps.sh installs them)")
        for command in renderers:
            with self.subTest(renderer=command[0]):
                result = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                        env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stderr, "", "the man page renders with warnings")
                if command[0] == "man":
                    self.assertIn("relaymetry check", result.stdout)


class CompletionFiles(unittest.TestCase):
    def test_every_option_is_in_both_scripts(self):
        for path in (BASH_COMPLETION, ZSH_COMPLETION):
            text = path.read_text()
            for command in COMMANDS:
                for option in help_options(command):
                    with self.subTest(file=path.name, command=" ".join(command), option=option):
                        self.assertTrue(contains_option(text, option),
                                        f"{option} of `relaymetry {' '.join(command)}` is missing from {path.name}")

    def test_zsh_parses_the_zsh_script(self):
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed (scripts/install-deps.sh installs it)")
        self.assertTrue(ZSH_COMPLETION.read_text().startswith("#compdef relaymetry\n"))
        result = subprocess.run([zsh, "-n", str(ZSH_COMPLETION)], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")


class BashCompletion(unittest.TestCase):
    def test_commands(self):
        self.assertEqual(bash_complete(""), ["check", "lint", "rules"])
        self.assertEqual(bash_complete("r"), ["rules"])
        self.assertEqual(bash_complete("lint", ""), ["mta-sts-policy", "mta-sts-txt", "tls-rpt"])
        self.assertEqual(bash_complete("--"), ["--help", "--version"])

    def test_every_option_of_every_subcommand_is_offered(self):
        for command in COMMANDS:
            offered = set(bash_complete(*command, "--"))
            with self.subTest(command=" ".join(command)):
                self.assertEqual(offered, set(help_options(command)))

    def test_check_options(self):
        offered = bash_complete("check", "--")
        self.assertIn("--format", offered)
        self.assertIn("--timeout", offered)
        self.assertEqual(set(bash_complete("check", "--ti")), {"--timeout", "--timings"})
        self.assertEqual(bash_complete("check", "example.com", "--no-sh"), ["--no-share"])
        self.assertIn("-f", bash_complete("check", "-"))

    def test_values_are_those_the_cli_accepts(self):
        for command in COMMANDS:
            for option, values in help_options(command).items():
                if values:
                    with self.subTest(command=" ".join(command), option=option):
                        self.assertEqual(set(bash_complete(*command, option, "")), set(values))
        self.assertIn("nagios", bash_complete("check", "--format", ""))
        self.assertNotIn("nagios", bash_complete("lint", "tls-rpt", "--format", ""))

    def test_a_value_after_equals(self):
        # COMP_WORDBREAKS splits `--format=n` into `--format`, `=`, `n`.
        self.assertEqual(bash_complete("check", "--format", "=", "n"), ["nagios"])
        self.assertEqual(bash_complete("check", "--format", "="),
                         bash_complete("check", "--format", ""))

    def test_only_takes_a_comma_separated_list(self):
        self.assertEqual(bash_complete("check", "--only", "sub"), ["submission"])
        self.assertEqual(set(bash_complete("check", "--only", "")), {"submission", "mx", "mta-sts", "tls-rpt"})
        self.assertEqual(set(bash_complete("check", "--only", "submission,m")), {"submission,mx", "submission,mta-sts"})
        self.assertEqual(bash_complete("check", "--only", "mx,tls-rpt,"), ["mx,tls-rpt,submission", "mx,tls-rpt,mta-sts"])

    def test_rule_ids_come_from_the_binary(self):
        ids = rule_ids()
        offered = bash_complete("rules", "")
        self.assertEqual(offered, ids)
        self.assertIn("cert.expired", offered)
        self.assertEqual(bash_complete("rules", "cert.expi"), ["cert.expired", "cert.expires-soon"])
        self.assertEqual(bash_complete("rules", "cert.expired", ""), [], "rules takes one ID")

    def test_ignore_takes_rule_ids_and_areas(self):
        offered = bash_complete("check", "--ignore", "")
        self.assertTrue(set(rule_ids()) <= set(offered))
        self.assertIn("cert.*", offered)
        self.assertIn("cert.expired", bash_complete("check", "--ignore", "cert.ex"))
        self.assertIn("tls.no-tls13,cert.expired", bash_complete("check", "--ignore", "tls.no-tls13,cert.ex"))
        self.assertIn("cert.expired", bash_complete("lint", "mta-sts-txt", "--ignore", "cert.ex"))

    def test_file_names(self):
        with tempfile.TemporaryDirectory() as directory:
            pathlib.Path(directory, "domains.txt").write_text("example.com\n")
            pathlib.Path(directory, "policy.txt").write_text("version: STSv1\n")
            for words in (("check", "-f", "dom"), ("check", "--file", "dom")):
                self.assertEqual(bash_complete(*words, cwd=directory), ["domains.txt"])
            self.assertEqual(bash_complete("check", "--ca-file", "pol", cwd=directory), ["policy.txt"])
            self.assertEqual(bash_complete("lint", "mta-sts-policy", "pol", cwd=directory), ["policy.txt"])
            self.assertEqual(bash_complete("lint", "mta-sts-policy", "--mx", "mx.example", "pol", cwd=directory),
                             ["policy.txt"])
            self.assertEqual(bash_complete("check", "dom", cwd=directory), [], "domains are not file names")

    def test_option_values_are_skipped_when_finding_the_command(self):
        # `--domain rules` is a value, not the rules command; `--mx --json`-like values are skipped alike.
        self.assertEqual(set(bash_complete("lint", "mta-sts-txt", "--domain", "example.com", "--f")),
                         {"--format", "--fail-on"})
        self.assertEqual(bash_complete("check", "--timeout", "5", "--fail-on", "w"), ["warning"])


if __name__ == "__main__":
    unittest.main()
