# bash completion for dnp3-master, dnp3-pcap and dnp3-outstation.
# The words come from the tool's own --help (commands: the first word of each
# line in its "commands:" section; options: every --long and -s option named),
# so the completion offers what the installed program accepts and never drifts
# from it. Installed as share/bash-completion/completions/<tool>.

_dnp3kit_help() {
    # $1: the program, $2: the command (or empty); the --help text on stdout
    if [ -n "$2" ]; then
        "$1" "$2" --help 2>/dev/null
    else
        "$1" --help 2>/dev/null
    fi
}

_dnp3kit_commands() {
    _dnp3kit_help "$1" "" | awk '/^commands:/ { on = 1; next } on && /^[^ ]/ { on = 0 }
        on && /^  [a-z][a-z-]* / && !seen[$1]++ { print $1 }'
}

_dnp3kit_complete() {
    local cur prog cmd="" words i
    cur=${COMP_WORDS[COMP_CWORD]}
    prog=${COMP_WORDS[0]}
    local commands
    commands=$(_dnp3kit_commands "$prog")
    for ((i = 1; i < COMP_CWORD; i++)); do
        case " $commands " in *" ${COMP_WORDS[i]} "*) cmd=${COMP_WORDS[i]}; break ;; esac
    done
    if [[ $cur == -* ]]; then
        words=$( { _dnp3kit_help "$prog" "$cmd"; [ -n "$cmd" ] && _dnp3kit_help "$prog" ""; } |
            grep -oE -- '(^|[^a-zA-Z0-9-])--?[a-zA-Z][a-zA-Z0-9-]*' | grep -oE -- '--?[a-zA-Z][a-zA-Z0-9-]*' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    elif [ -z "$cmd" ] && [ -n "$commands" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

complete -F _dnp3kit_complete -o filenames dnp3-master dnp3-pcap dnp3-outstation
