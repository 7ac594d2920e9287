# bash completion for relaymetry(1)                                      -*- shell-script -*-
#
# Installed as /usr/share/bash-completion/completions/relaymetry (bash-completion loads it on demand),
# or sourced from ~/.bashrc. Self-contained: it needs nothing from bash-completion's helpers.
# Rule IDs (`rules <TAB>`, `--ignore`) come from the binary itself: `relaymetry rules` prints one rule
# a line, its ID first. tests/cli/test_man_completion.py fails when an option of the CLI is missing here.

# Options that take a value, and flags, per command.
_relaymetry_check_values=(-f --file --format --warning-on --critical-on --color --fail-on --ignore --dns
    --connect-to --ca-file --timeout --only --expiry-warning --parallel --ehlo --connect-rate --progress --shard
    --state)
_relaymetry_check_flags=(-h --help --json --mx-probe --no-share --state-reset --timings)
_relaymetry_lint_values=(--domain --format --color --fail-on --ignore)  # and --mx for mta-sts-policy
_relaymetry_lint_flags=(-h --help --json)

# Prints the rule IDs of the binary $1 (a path, or relaymetry from PATH), one a line; with $2 =
# with-areas, then every area as `area.*` (which --ignore takes too).
_relaymetry_rule_ids()
{
    local bin=$1 id areas=' ' listing
    [[ $bin == */* && -x $bin ]] || bin=relaymetry
    listing=$(command "$bin" rules 2>/dev/null)
    # Here-strings, not process substitution: no /dev/fd needed (minimal containers, chroots).
    while read -r id _; do
        [[ $id == ?*.?* ]] || continue
        printf '%s\n' "$id"
        [[ $areas == *" ${id%%.*}.* "* ]] || areas+="${id%%.*}.* "
    done <<<"$listing"
    if [[ $2 == with-areas ]]; then
        local -a list
        read -r -a list <<<"$areas"  # no pathname expansion of "cert.*"
        printf '%s\n' "${list[@]}"
    fi
}

# ids = the lines of $1 (not globbed, empty lines dropped).
_relaymetry_lines()
{
    ids=()
    local line
    while IFS= read -r line; do
        [[ -n $line ]] && ids+=("$line")
    done <<<"$1"
    return 0
}

# COMPREPLY = the candidates $2... that start with $1.
_relaymetry_words()
{
    local cur=$1 word
    shift
    COMPREPLY=()
    for word in "$@"; do
        [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
    done
    return 0
}

# The same for a comma-separated list ("a,b,c"): completes its last item, leaving out those given.
_relaymetry_list()
{
    local cur=$1 head='' word
    shift
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
        cur=${cur##*,}
    fi
    COMPREPLY=()
    for word in "$@"; do
        [[ ,$head == *,"$word",* ]] && continue
        [[ $word == "$cur"* ]] && COMPREPLY+=("$head$word")
    done
    return 0
}

_relaymetry_files()
{
    local -a ids
    compopt -o filenames 2>/dev/null  # only inside a real completion, not when called by a test
    _relaymetry_lines "$(compgen -f -- "$1")"
    COMPREPLY=("${ids[@]}")
}

# Completes the value $3 of option $1 of command $2 (check, or a lint subcommand); $4 is the binary.
_relaymetry_value()
{
    local option=$1 command=$2 cur=$3 bin=$4
    local -a ids
    case $option in
        --format)
            if [[ $command == check ]]; then
                _relaymetry_words "$cur" text json nagios prometheus junit
            else
                _relaymetry_words "$cur" text json junit
            fi
            ;;
        --color | --progress) _relaymetry_words "$cur" auto always never ;;
        --fail-on | --warning-on | --critical-on) _relaymetry_words "$cur" error warning notice never ;;
        --only) _relaymetry_list "$cur" submission mx mta-sts tls-rpt ;;
        --ignore)
            _relaymetry_lines "$(_relaymetry_rule_ids "$bin" with-areas)"
            _relaymetry_list "$cur" "${ids[@]}"
            ;;
        -f | --file | --ca-file | --state) _relaymetry_files "$cur" ;;
        *) COMPREPLY=() ;;  # a domain, host, address or number: nothing to offer
    esac
}

_relaymetry_has()
{
    local word=$1
    shift
    local item
    for item in "$@"; do
        [[ $item == "$word" ]] && return 0
    done
    return 1
}

_relaymetry()
{
    COMPREPLY=()
    # Join what COMP_WORDBREAKS split at '=' back together: `--format=js` is one word below.
    local -a words=()
    local i word
    for ((i = 0; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if ((${#words[@]})) && [[ $word == = && ${words[-1]} == --* && ${words[-1]} != *=* ]]; then
            words[-1]+='='
        elif ((i > 0 && ${#words[@]})) && [[ ${COMP_WORDS[i - 1]} == = && ${words[-1]} == --*= ]]; then
            words[-1]+=$word
        else
            words+=("$word")
        fi
    done
    local cword=$((${#words[@]} - 1))
    local cur=${words[cword]} bin=${words[0]}

    # Which command (check, lint SUB, rules), and how many positionals it has, skipping options and
    # their values.
    local command='' lint_sub=false positionals=0 dashdash=false
    local -a values=() flags=(-h --help --version)
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if ! $dashdash && [[ $word == -- ]]; then
            dashdash=true
        elif ! $dashdash && [[ $word == -?* ]]; then
            if [[ $word != *=* ]] && _relaymetry_has "$word" "${values[@]}"; then
                ((i++))
            fi
        elif [[ -z $command ]]; then
            command=$word
            case $command in
                check) values=("${_relaymetry_check_values[@]}") flags=("${_relaymetry_check_flags[@]}") ;;
                *) values=() flags=(-h --help) ;;
            esac
        elif [[ $command == lint ]] && ! $lint_sub; then
            command=$word lint_sub=true
            values=("${_relaymetry_lint_values[@]}") flags=("${_relaymetry_lint_flags[@]}")
            [[ $command == mta-sts-policy ]] && values+=(--mx)
        else
            ((positionals++))
        fi
    done

    # The value of an option: `--format <TAB>` or `--format=<TAB>`.
    if ! $dashdash && [[ $cur == --*=* ]]; then
        local option=${cur%%=*}
        _relaymetry_value "$option" "$command" "${cur#*=}" "$bin"
        # Unless readline splits the word at '=' itself, the replies must carry the option too.
        if [[ $COMP_WORDBREAKS != *=* ]]; then
            COMPREPLY=("${COMPREPLY[@]/#/$option=}")
        fi
        return 0
    fi
    local prev=${words[cword - 1]}
    if ! $dashdash && ((cword > 1)) && _relaymetry_has "$prev" "${values[@]}"; then
        _relaymetry_value "$prev" "$command" "$cur" "$bin"
        return 0
    fi
    if ! $dashdash && [[ $cur == -* ]]; then
        _relaymetry_words "$cur" "${flags[@]}" "${values[@]}"
        return 0
    fi

    case $command in
        '') _relaymetry_words "$cur" check lint rules ;;
        lint) _relaymetry_words "$cur" mta-sts-policy mta-sts-txt tls-rpt ;;
        mta-sts-policy) ((positionals == 0)) && _relaymetry_files "$cur" ;;
        rules)
            if ((positionals == 0)); then
                local -a ids
                _relaymetry_lines "$(_relaymetry_rule_ids "$bin")"
                _relaymetry_words "$cur" "${ids[@]}"
            fi
            ;;
    esac  # check: domains, lint mta-sts-txt / tls-rpt: records: nothing to offer
    return 0
}

complete -F _relaymetry relaymetry
