# Shared helpers for dockeropt's stand-in package tools (busybox sh).
# Everything written here is deterministic: no timestamps, no randomness.

standin_die() {
    # standin_die CODE MESSAGE...
    _code=$1; shift
    echo "$STANDIN_NAME: $*" >&2
    exit "$_code"
}

# standin_fill FILE SIZE LABEL: write LABEL then pad the file to SIZE bytes.
standin_fill() {
    mkdir -p "$(dirname "$1")"
    awk -v n="$2" -v label="$3" 'BEGIN {
        s = label "\n"; pad = "................................................................"
        while (length(s) < n) { if (length(s) + length(pad) <= n) s = s pad; else s = s substr(pad, 1, n - length(s)) }
        printf "%s", s }' > "$1"
}

# standin_json_obj FILE KEY: print "name<TAB>value" for each member of the first
# object whose key is KEY (value is empty when not a string). KEY "." means the
# top-level object.
standin_json_obj() {
    awk -v want="$2" '
    { buf = buf $0 "\n" }
    END {
        n = length(buf); i = 1; depth = 0; target = (want == ".") ? 1 : -1
        instr = 0; cur = ""; key = ""; expect_val = 0; last_str = ""; have_key = 0
        while (i <= n) {
            c = substr(buf, i, 1)
            if (instr) {
                if (c == "\\") { d = substr(buf, i + 1, 1); if (d == "n") d = "\n"; else if (d == "t") d = "\t"; cur = cur d; i += 2; continue }
                if (c == "\"") { instr = 0; last_str = cur; strdone = 1 }
                else cur = cur c
                i++; continue
            }
            if (c == "\"") { instr = 1; cur = ""; i++; continue }
            if (c == ":") {
                if (strdone) { key = last_str; have_key = 1 }
                if (target < 0 && key == want && have_key) pending = 1
                strdone = 0; i++; continue
            }
            if (c == "{" || c == "[") {
                depth++
                if (pending && c == "{") { target = depth; pending = 0 }
                else if (target > 0 && depth == target + 1 && have_key) saved = key
                have_key = (c == "{") ? 0 : have_key; strdone = 0; i++; continue
            }
            if (c == "}" || c == "]" || c == ",") {
                if (target > 0 && depth == target && have_key) {
                    printf "%s\t%s\n", key, (strdone ? last_str : "")
                }
                if (c != ",") {
                    if (depth == target) { exit 0 }
                    if (target > 0 && depth == target + 1 && saved != "") { printf "%s\t\n", saved; saved = "" }
                    depth--
                }
                have_key = 0; strdone = 0; pending = 0; i++; continue
            }
            if (c !~ /[ \t\n\r]/ && !strdone) { strdone = 0 }
            i++
        }
    }' "$1"
}

# standin_hash STRING -> short deterministic hex id
standin_hash() {
    printf '%s' "$1" | sha256sum | cut -c1-16
}

# standin_cmd_stub NAME: make a trivial executable NAME in /usr/bin unless a
# command of that name already exists.
standin_cmd_stub() {
    case "$1" in *[!A-Za-z0-9._+-]*|"") return 0 ;; esac
    command -v "$1" >/dev/null 2>&1 && return 0
    printf '#!/bin/sh\n# stand-in installed by a package manager stand-in\nexit 0\n' > "/usr/bin/$1"
    chmod 0755 "/usr/bin/$1"
}
