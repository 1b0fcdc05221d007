"""Tests for dockeropt.shell: tokenizer, parser and the queries transforms use."""

from __future__ import annotations

import pytest

from dockeropt.shell import (
    COMMENT,
    HEREDOC,
    NEWLINE,
    OPERATOR,
    REDIRECT,
    RESERVED,
    WORD,
    command_count,
    dependency_installs,
    ends_with_operator,
    find_commands,
    has_flag,
    invocation,
    is_simple_chain,
    package_manager_commands,
    parse,
    shell_state_changes,
    split_chain,
    tokenize,
    trailing_comment,
)


def kinds_values(script):
    return [(t.kind, t.value) for t in tokenize(script)]


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

TOKENIZE_CASES = [
    pytest.param(
        "echo 'a b' \"c $d\" e\\ f",
        [(WORD, "echo"), (WORD, "a b"), (WORD, "c $d"), (WORD, "e f")],
        id="single-double-escape",
    ),
    pytest.param(
        'echo "x\\"y" "a\\b"',
        [(WORD, "echo"), (WORD, 'x"y'), (WORD, "a\\b")],
        id="backslash-in-double-quotes",
    ),
    pytest.param(
        'echo $(printf ")" | tr a b)x',
        [(WORD, "echo"), (WORD, '$(printf ")" | tr a b)x')],
        id="command-substitution-with-quoted-paren",
    ),
    pytest.param(
        "echo $(echo $(echo a) `echo b`)",
        [(WORD, "echo"), (WORD, "$(echo $(echo a) `echo b`)")],
        id="nested-substitutions",
    ),
    pytest.param(
        "echo $((1 + (2 * 3))) ${x:-${y}} ${#x}",
        [(WORD, "echo"), (WORD, "$((1 + (2 * 3)))"), (WORD, "${x:-${y}}"), (WORD, "${#x}")],
        id="arithmetic-and-parameters",
    ),
    pytest.param(
        "x=$(case $a in a) echo y;; esac) && z",
        [(WORD, "x=$(case $a in a) echo y;; esac)"), (OPERATOR, "&&"), (WORD, "z")],
        id="case-inside-command-substitution",
    ),
    pytest.param(
        "echo \"$(echo 'in ) quotes')\"",
        [(WORD, "echo"), (WORD, "$(echo 'in ) quotes')")],
        id="substitution-inside-double-quotes",
    ),
    pytest.param(
        "make # build it",
        [(WORD, "make"), (COMMENT, "# build it")],
        id="comment",
    ),
    pytest.param(
        "echo a#b '#' \"#\" \\# ${#x}",
        [(WORD, "echo"), (WORD, "a#b"), (WORD, "#"), (WORD, "#"), (WORD, "#"), (WORD, "${#x}")],
        id="hash-that-is-not-a-comment",
    ),
    pytest.param(
        "a;#c\nb",
        [(WORD, "a"), (OPERATOR, ";"), (COMMENT, "#c"), (NEWLINE, "\n"), (WORD, "b")],
        id="comment-after-operator",
    ),
    pytest.param(
        "a&&b||c;d|e&",
        [(WORD, "a"), (OPERATOR, "&&"), (WORD, "b"), (OPERATOR, "||"), (WORD, "c"),
         (OPERATOR, ";"), (WORD, "d"), (OPERATOR, "|"), (WORD, "e"), (OPERATOR, "&")],
        id="operators-without-spaces",
    ),
    pytest.param(
        "cmd >out 2>&1 <in >>log",
        [(WORD, "cmd"), (REDIRECT, ">"), (WORD, "out"), (REDIRECT, ">&"), (WORD, "1"),
         (REDIRECT, "<"), (WORD, "in"), (REDIRECT, ">>"), (WORD, "log")],
        id="redirections",
    ),
    pytest.param(
        "{ a; } && b }",
        [(RESERVED, "{"), (WORD, "a"), (OPERATOR, ";"), (RESERVED, "}"), (OPERATOR, "&&"),
         (WORD, "b"), (WORD, "}")],
        id="braces-reserved-only-in-command-position",
    ),
    pytest.param(
        "if a; then b; fi; echo if",
        [(RESERVED, "if"), (WORD, "a"), (OPERATOR, ";"), (RESERVED, "then"), (WORD, "b"),
         (OPERATOR, ";"), (RESERVED, "fi"), (OPERATOR, ";"), (WORD, "echo"), (WORD, "if")],
        id="reserved-words",
    ),
    pytest.param(
        "cat <<EOF >f && echo ok\nhello $x\nEOF\nls",
        [(WORD, "cat"), (REDIRECT, "<<"), (WORD, "EOF"), (REDIRECT, ">"), (WORD, "f"),
         (OPERATOR, "&&"), (WORD, "echo"), (WORD, "ok"), (NEWLINE, "\n"),
         (HEREDOC, "hello $x\n"), (WORD, "ls")],
        id="heredoc",
    ),
    pytest.param(
        "cat <<-'EOF'\n\tif # not a comment\n\tEOF\n",
        [(WORD, "cat"), (REDIRECT, "<<-"), (WORD, "EOF"), (NEWLINE, "\n"),
         (HEREDOC, "if # not a comment\n")],
        id="heredoc-strip-tabs-quoted",
    ),
    pytest.param(
        "a \\\n  && b",
        [(WORD, "a"), (OPERATOR, "&&"), (WORD, "b")],
        id="line-continuation",
    ),
]


@pytest.mark.parametrize("script, expected", TOKENIZE_CASES)
def test_tokenize_kinds_and_values(script, expected):
    tokens = tokenize(script)
    assert tokens.ok
    assert [(t.kind, t.value) for t in tokens] == expected


@pytest.mark.parametrize("script", [p.values[0] for p in TOKENIZE_CASES],
                         ids=[p.id for p in TOKENIZE_CASES])
def test_tokenize_offsets_slice_the_input(script):
    tokens = tokenize(script)
    for token in tokens:
        assert script[token.start:token.end] == token.text
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def test_token_offsets_exact():
    script = "FOO=1 echo \"a b\" 2>&1"
    assert [(t.start, t.end, t.text) for t in tokenize(script)] == [
        (0, 5, "FOO=1"), (6, 10, "echo"), (11, 16, '"a b"'), (17, 20, "2>&"), (20, 21, "1")]


@pytest.mark.parametrize("script, quoted, expansion", [
    pytest.param("plain", False, False, id="plain"),
    pytest.param("'single'", True, False, id="single"),
    pytest.param("a\\ b", True, False, id="escaped"),
    pytest.param("$HOME/x", False, True, id="parameter"),
    pytest.param("\"$(id -u)\"", True, True, id="quoted-substitution"),
    pytest.param("'$HOME'", True, False, id="single-quoted-dollar"),
    pytest.param("cost$", False, False, id="lone-dollar"),
])
def test_word_flags(script, quoted, expansion):
    (token,) = tokenize(script)
    assert (token.quoted, token.expansion) == (quoted, expansion)


@pytest.mark.parametrize("script, message", [
    pytest.param("echo 'abc", "unterminated single quote", id="single-quote"),
    pytest.param('echo "abc', "unterminated double quote", id="double-quote"),
    pytest.param("echo $(ls", "unterminated $(", id="command-substitution"),
    pytest.param("echo ${x", "unterminated ${", id="parameter"),
    pytest.param("echo `ls", "unterminated backquote", id="backquote"),
    pytest.param("echo $((1+2)", "unterminated $((", id="arithmetic"),
    pytest.param("make \\", "backslash at end of script", id="trailing-backslash"),
    pytest.param("cat <<EOF\nbody", "here-document 'EOF' is not terminated", id="heredoc-body"),
    pytest.param("cat <<EOF", "here-document 'EOF' has no body", id="heredoc-missing"),
])
def test_tokenize_reports_errors_without_raising(script, message):
    tokens = tokenize(script)
    assert not tokens.ok
    assert [e.message for e in tokens.errors] == [message]
    assert tokens.errors[0].kind == "unterminated"
    assert tokens[0].value == script.split()[0]


def test_tokenize_survives_deep_nesting():
    assert tokenize("$(" * 5000).ok is False
    assert parse("(" * 5000).ok is False


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------

def test_parse_simple_commands_and_connectors():
    script = "FOO=1 BAR=2 make -j4 >log 2>&1 && echo ok || true; a | b & c\nd"
    parsed = parse(script)
    assert parsed.ok
    summary = [(c.argv, c.connector) for c in parsed.commands]
    assert summary == [
        (("make", "-j4"), "&&"), (("echo", "ok"), "||"), (("true",), ";"),
        (("a",), "|"), (("b",), "&"), (("c",), "\n"), (("d",), None)]
    first = parsed.commands[0]
    assert [a.value for a in first.assignments] == ["FOO=1", "BAR=2"]
    assert [(r.op, r.fd, r.target.value) for r in first.redirections] == [
        (">", None, "log"), (">&", 2, "1")]
    assert script[first.start:first.end] == "FOO=1 BAR=2 make -j4 >log 2>&1"


def test_parse_nesting_context():
    script = "(cd a && make) && { cd b; } && if x; then y; fi && f() { g; }"
    parsed = parse(script)
    assert parsed.ok
    assert [(c.argv[0], c.context) for c in parsed.commands] == [
        ("cd", ("subshell",)), ("make", ("subshell",)), ("cd", ("brace",)),
        ("x", ("if",)), ("y", ("if",)), ("g", ("function", "brace"))]
    assert [(i.kind, i.connector) for i in parsed.items] == [
        ("subshell", "&&"), ("brace", "&&"), ("if", "&&"), ("function", None)]
    assert all(c.nested for c in parsed.commands)


def test_parse_heredoc_attached_to_redirection():
    parsed = parse("cat <<EOF > /etc/x && echo done\nline1\nEOF\n")
    (redirection, _) = parsed.commands[0].redirections
    assert redirection.op == "<<"
    assert redirection.target.value == "EOF"
    assert redirection.heredoc.value == "line1\n"
    assert parsed.commands[1].argv == ("echo", "done")


@pytest.mark.parametrize("script, message", [
    pytest.param("if a; then b", "'if' without 'fi'", id="open-if"),
    pytest.param("{ a; ", "'{' without '}'", id="open-brace"),
    pytest.param("( a", "'(' without ')'", id="open-subshell"),
    pytest.param("a )", "unexpected ')'", id="stray-paren"),
    pytest.param("a &&", "nothing after '&&'", id="dangling-and"),
    pytest.param("for i in 1 2; do echo", "'do' without 'done'", id="open-loop"),
])
def test_parse_errors(script, message):
    parsed = parse(script)
    assert not parsed.ok
    assert [e.message for e in parsed.errors] == [message]


# --------------------------------------------------------------------------
# Shell state
# --------------------------------------------------------------------------

STATE_CHANGING = [
    ("cd /app", "cd"), ("pushd /tmp", "pushd"), ("popd", "popd"),
    ("export PATH=/x:$PATH", "export"), ("unset FOO", "unset"), ("set -eux", "set"),
    ("shopt -s globstar", "shopt"), ("umask 022", "umask"), ("source ./env.sh", "source"),
    (". ./env.sh", "."), ("exit 0", "exit"), ("return 1", "return"), ("exec >log", "exec"),
    ("trap 'rm -f x' EXIT", "trap"), ("ulimit -n 4096", "ulimit"), ("alias ll='ls -l'", "alias"),
    ("unalias ll", "unalias"), ("readonly X=1", "readonly"), ("local x=1", "local"),
    ("declare -x A=1", "declare"), ("typeset A=1", "typeset"), ("eval \"$CMD\"", "eval"),
    ("hash -r", "hash"), ("wait", "wait"), ("shift", "shift"), ("read line", "read"),
]


@pytest.mark.parametrize("script, name", STATE_CHANGING, ids=[n for _, n in STATE_CHANGING])
def test_state_changing_builtins(script, name):
    changes = shell_state_changes("make && " + script)
    assert [(c.kind, c.start, c.end, c.command_index) for c in changes] == [
        ("builtin", 8, 8 + len(script), 1)]
    assert changes[0].reason.startswith(repr(name))


@pytest.mark.parametrize("script, expected", [
    pytest.param("FOO=1", [("assignment", "FOO=1")], id="bare-assignment"),
    pytest.param("A=1 B=2", [("assignment", "A=1 B=2")], id="two-assignments"),
    pytest.param("f() { cd /; }", [("function", "f() { cd /; }")], id="function-posix"),
    pytest.param("function f { :; }", [("function", "function f { :; }")], id="function-keyword"),
    pytest.param("sleep 1 &", [("background", "&")], id="trailing-background"),
    pytest.param("sleep 1 & make", [("background", "&")], id="intermediate-background"),
    pytest.param("make &>log", [("background", "&>")], id="bash-ampersand-redirect"),
    pytest.param("FOO=1 :", [("assignment", "FOO=1 :")], id="assignment-before-special-builtin"),
    pytest.param(": ${X:=1}", [("expansion", "${X:=1}")], id="assigning-parameter-expansion"),
    pytest.param("echo $((i+=1))", [("expansion", "$((i+=1))")], id="assigning-arithmetic"),
    pytest.param("for i in a b; do :; done", [("assignment", "for i in a b; do :; done")],
                 id="for-loop-variable"),
    pytest.param("$TOOL build", [("dynamic-command", "$TOOL")], id="dynamic-command"),
    pytest.param("command cd /", [("builtin", "command cd /")], id="command-cd"),
    pytest.param("{ cd /x; } >log", [("builtin", "cd /x")], id="brace-group-leaks"),
    pytest.param("if true; then export A=1; fi", [("builtin", "export A=1")], id="if-leaks"),
    pytest.param("cd x | cat", [("builtin", "cd x")], id="pipeline-conservative"),
    pytest.param("make &&", [("unterminated", "&&")], id="dangling-and"),
    pytest.param("make ||", [("unterminated", "||")], id="dangling-or"),
    pytest.param("make |", [("unterminated", "|")], id="dangling-pipe"),
    pytest.param("make \\", [("unterminated", "\\")], id="dangling-backslash"),
    pytest.param("echo 'oops", [("unterminated", "'oops")], id="unreadable-quote"),
    pytest.param("if a; then b", [("unterminated", "")], id="open-if"),
    pytest.param("make # build", [("trailing-comment", "# build")], id="trailing-comment"),
    pytest.param("make;", [("trailing-separator", ";")], id="trailing-semicolon"),
    pytest.param("cat <<EOF >f\nx\nEOF", [("trailing-heredoc", "x\nEOF")], id="trailing-heredoc"),
])
def test_state_changes_other_kinds(script, expected):
    changes = shell_state_changes(script)
    assert [(c.kind, script[c.start:c.end]) for c in changes] == expected


@pytest.mark.parametrize("script", [
    pytest.param("FOO=1 make", id="prefix-assignment"),
    pytest.param("(cd x && make)", id="subshell-cd"),
    pytest.param("(export A=1; exit 1) || true", id="subshell-export-exit"),
    pytest.param("echo cd", id="echo-cd"),
    pytest.param('echo "export"', id="quoted-export"),
    pytest.param("echo a#b", id="hash-in-word"),
    pytest.param("grep '#' file", id="quoted-hash"),
    pytest.param("echo ${#x}", id="length-expansion"),
    pytest.param("echo $((a == b)) ${x:-d}", id="non-assigning-expansions"),
    pytest.param("command -v cd", id="command-v"),
    pytest.param("set", id="set-lists-only"),
    pytest.param("export -p", id="export-lists-only"),
    pytest.param("sudo env FOO=1 make install", id="env-prefix"),
    pytest.param("x=$(cd /; pwd) make", id="substitution-in-prefix"),
    pytest.param("\"$HOME/bin/tool\" run", id="path-from-variable"),
    pytest.param("make 2>&1 >/dev/null", id="redirections"),
    pytest.param("a && b || c\n", id="plain-chain"),
    pytest.param("case $x in a) echo cd;; esac", id="case-without-builtin"),
])
def test_state_changes_not_reported(script):
    assert shell_state_changes(script) == []


# --------------------------------------------------------------------------
# Endings
# --------------------------------------------------------------------------

@pytest.mark.parametrize("script, expected", [
    pytest.param("make # build", "# build", id="simple"),
    pytest.param("make # build\n  ", "# build", id="trailing-whitespace"),
    pytest.param("a && \\\n  # why\n  b # last", "# last", id="last-of-several"),
    pytest.param("make && #", "#", id="empty-comment"),
    pytest.param("echo a#b", None, id="hash-in-word"),
    pytest.param("grep '#' file", None, id="quoted"),
    pytest.param("echo \"#\"", None, id="double-quoted"),
    pytest.param("echo ${#x}", None, id="length-expansion"),
    pytest.param("echo \\#", None, id="escaped"),
    pytest.param("a # c\nb", None, id="comment-then-command"),
    pytest.param("cat <<EOF\n# body\nEOF", None, id="inside-heredoc"),
])
def test_trailing_comment(script, expected):
    span = trailing_comment(script)
    assert (script[span[0]:span[1]] if span else None) == expected


@pytest.mark.parametrize("script, expected", [
    pytest.param("make &&", "&&", id="and"),
    pytest.param("make ||\n", "||", id="or-newline"),
    pytest.param("make | # c", "|", id="pipe-comment"),
    pytest.param("make;", ";", id="semicolon"),
    pytest.param("make &", "&", id="ampersand"),
    pytest.param("make \\", "\\", id="backslash"),
    pytest.param("make", None, id="command"),
    pytest.param("(make)", None, id="subshell"),
    pytest.param("echo '&&'", None, id="quoted"),
])
def test_ends_with_operator(script, expected):
    token = ends_with_operator(script)
    assert (token.value if token else None) == expected
    if token is not None:
        assert script[token.start:token.end] == expected


@pytest.mark.parametrize("script, expected", [
    pytest.param("a && b && c", True, id="chain"),
    pytest.param("make", True, id="single"),
    pytest.param("a && b;", True, id="trailing-semicolon"),
    pytest.param("a || b", False, id="or"),
    pytest.param("a; b", False, id="semicolon"),
    pytest.param("a | b", False, id="pipe"),
    pytest.param("a && (b)", False, id="subshell"),
    pytest.param("a && b &&", False, id="dangling"),
    pytest.param("", False, id="empty"),
])
def test_is_simple_chain(script, expected):
    assert is_simple_chain(script) is expected


@pytest.mark.parametrize("script, expected", [
    pytest.param("", 0, id="empty"),
    pytest.param("a && b | c; d", 4, id="flat"),
    pytest.param("(a && b) && if c; then d; fi", 4, id="nested"),
    pytest.param("# only a comment", 0, id="comment"),
])
def test_command_count(script, expected):
    assert command_count(script) == expected


# --------------------------------------------------------------------------
# split_chain
# --------------------------------------------------------------------------

@pytest.mark.parametrize("script, index, expected", [
    pytest.param("npm ci && npm run build", 0, ("npm ci", "npm run build"), id="two"),
    pytest.param("apt-get update && npm ci && npm run build", 1,
                 ("apt-get update && npm ci", "npm run build"), id="middle"),
    pytest.param("a 'x && y' && b \\\n    && c # done", 1,
                 ("a 'x && y' && b", "c # done"), id="quotes-and-comment-kept"),
    pytest.param("a && b", 1, None, id="last-index"),
    pytest.param("a && b", -1, None, id="negative-index"),
    pytest.param("a; b", 0, None, id="not-and-chain"),
    pytest.param("(a) && b", 0, None, id="compound"),
    pytest.param("cat <<EOF >f && b\nx\nEOF", 0, None, id="heredoc"),
])
def test_split_chain(script, index, expected):
    assert split_chain(script, index) == expected


# --------------------------------------------------------------------------
# find_commands / invocation / has_flag
# --------------------------------------------------------------------------

@pytest.mark.parametrize("script, names, expected", [
    pytest.param("sudo apt-get install -y x", ["apt-get"], ["sudo apt-get install -y x"], id="sudo"),
    pytest.param("sudo -u root -E pip3 install x", ["pip"], ["sudo -u root -E pip3 install x"],
                 id="sudo-options-pip3"),
    pytest.param("env -i DEBIAN_FRONTEND=noninteractive apt-get update", ["apt-get"],
                 ["env -i DEBIAN_FRONTEND=noninteractive apt-get update"], id="env"),
    pytest.param("python3 -m pip install x && pip list", ["pip"],
                 ["python3 -m pip install x", "pip list"], id="python-m-pip"),
    pytest.param("(cd web && npm ci) && echo npm", ["npm"], ["npm ci"], id="nested-not-argument"),
    pytest.param("command -v npm", ["npm"], [], id="command-v-is-lookup"),
    pytest.param("/usr/bin/apt-get update", ["apt-get"], ["/usr/bin/apt-get update"], id="path"),
    pytest.param("nice -n 10 timeout 60 xargs -n1 apk add", ["apk"],
                 ["nice -n 10 timeout 60 xargs -n1 apk add"], id="stacked-wrappers"),
])
def test_find_commands(script, names, expected):
    assert [c.text for c in find_commands(script, names)] == expected


@pytest.mark.parametrize("script, tool, wrappers, subcommand, flags, operands", [
    pytest.param("apt-get -y install --no-install-recommends a b", "apt-get", (), "install",
                 ("-y", "--no-install-recommends"), ("a", "b"), id="apt-get"),
    pytest.param("sudo apt-get -o Dpkg::Options::=--force-confold -qy install a", "apt-get",
                 ("sudo",), "install", ("-o", "-qy"), ("a",), id="value-option-before-subcommand"),
    pytest.param("apk add --no-cache --virtual .deps gcc", "apk", (), "add",
                 ("--no-cache", "--virtual"), ("gcc",), id="apk-virtual"),
    pytest.param("env CI=1 npm --prefix web ci", "npm", ("env",), "ci", ("--prefix",), (),
                 id="npm-prefix"),
    pytest.param("pip install -r req.txt --index-url=https://x flask", "pip", (), "install",
                 ("-r", "--index-url=https://x"), ("flask",), id="pip"),
    pytest.param("yarn --frozen-lockfile", "yarn", (), None, ("--frozen-lockfile",), (),
                 id="no-subcommand"),
    pytest.param("pip install -- -weird", "pip", (), "install", (), ("-weird",),
                 id="double-dash"),
])
def test_invocation(script, tool, wrappers, subcommand, flags, operands):
    inv = invocation(parse(script).commands[0])
    assert (inv.tool, inv.wrappers, inv.subcommand, inv.flags, inv.operands) == (
        tool, wrappers, subcommand, flags, operands)


@pytest.mark.parametrize("script, spellings, expected", [
    pytest.param("apt-get install -qy x", ("-y",), True, id="combined-short"),
    pytest.param("apt-get install -qq x", ("-y", "--yes"), False, id="combined-without"),
    pytest.param("apt-get install --yes x", ("-y", "--yes"), True, id="long"),
    pytest.param("apt-get install --target-release=bookworm x", ("--target-release",), True,
                 id="long-equals"),
    pytest.param("apt-get install -t bookworm x", ("-t",), True, id="short-with-value"),
    pytest.param("pip install --no-cache-dir x", ("--no-cache",), False, id="no-prefix-match"),
    pytest.param("apt-get install yes", ("--yes", "-y"), False, id="operand-is-not-flag"),
    pytest.param("sudo -y apt-get install x", ("-y",), False, id="wrapper-options-excluded"),
])
def test_has_flag(script, spellings, expected):
    assert has_flag(parse(script).commands[0], *spellings) is expected


def test_option_values_and_spans():
    script = "pip install -r a.txt --requirement b.txt -rc.txt --requirement=d.txt"
    inv = invocation(parse(script).commands[0])
    assert inv.values("-r", "--requirement") == ("a.txt", "b.txt", "c.txt", "d.txt")
    first = inv.option("-r")
    assert script[first.start:first.end] == "-r a.txt"


def test_package_manager_commands():
    script = ("apt-get update && apt-get install -y --no-install-recommends curl "
              "&& rm -rf /var/lib/apt/lists/* && pip3 install --no-cache-dir x && yarn")
    found = [(i.tool, i.subcommand, i.flags) for i in package_manager_commands(script)]
    assert found == [
        ("apt-get", "update", ()), ("apt-get", "install", ("-y", "--no-install-recommends")),
        ("pip", "install", ("--no-cache-dir",)), ("yarn", None, ())]


# --------------------------------------------------------------------------
# dependency_installs
# --------------------------------------------------------------------------

NPM = ("package.json", "package-lock.json", "npm-shrinkwrap.json")
YARN = ("package.json", "yarn.lock", ".yarnrc.yml", ".yarn/")
PNPM = ("package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml")
GRADLE = ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle/")
DOTNET = ("*.csproj", "*.sln", "NuGet.config", "Directory.Build.props", "Directory.Packages.props")

# (script, ecosystem, manifests, from_manifests, needs_sources)
INSTALLS = [
    pytest.param("npm ci", "npm", NPM, True, False, id="npm-ci"),
    pytest.param("npm install", "npm", NPM, True, False, id="npm-install"),
    pytest.param("npm i --omit dev", "npm", NPM, True, False, id="npm-i-option-value"),
    pytest.param("npm --prefix web ci", "npm", tuple("web/" + m for m in NPM), True, False,
                 id="npm-prefix"),
    pytest.param("npm install lodash", "npm", (), False, False, id="npm-explicit-package"),
    pytest.param("npm install ./vendor/pkg", "npm", (), False, True, id="npm-local-path"),
    pytest.param("npm install -g", "npm", NPM, True, True, id="npm-global-project"),
    pytest.param("yarn", "yarn", YARN, True, False, id="yarn-bare"),
    pytest.param("yarn install --frozen-lockfile", "yarn", YARN, True, False, id="yarn-install"),
    pytest.param("yarn add react", "yarn", (), False, False, id="yarn-add"),
    pytest.param("pnpm install --frozen-lockfile", "pnpm", PNPM, True, False, id="pnpm-install"),
    pytest.param("pnpm i", "pnpm", PNPM, True, False, id="pnpm-i"),
    pytest.param("pnpm fetch", "pnpm", ("pnpm-lock.yaml",), True, False, id="pnpm-fetch"),
    pytest.param("pip install -r requirements.txt", "pip", ("requirements.txt",), True, False,
                 id="pip-r"),
    pytest.param("pip3 install -r base.txt -r dev.txt -c constraints.txt", "pip",
                 ("base.txt", "dev.txt", "constraints.txt"), True, False, id="pip-repeated-r-c"),
    pytest.param("python -m pip install --requirement=req/prod.txt", "pip", ("req/prod.txt",),
                 True, False, id="python-m-pip-long"),
    pytest.param("pip install .", "pip", (), False, True, id="pip-dot"),
    pytest.param("pip install -e .", "pip", (), False, True, id="pip-editable"),
    pytest.param("pip install -r requirements.txt .", "pip", ("requirements.txt",), True, True,
                 id="pip-r-and-dot"),
    pytest.param("pip install flask==3.0", "pip", (), False, False, id="pip-explicit"),
    pytest.param("poetry install", "poetry", ("pyproject.toml", "poetry.lock"), True, True,
                 id="poetry-installs-root"),
    pytest.param("poetry install --no-root --no-interaction", "poetry",
                 ("pyproject.toml", "poetry.lock"), True, False, id="poetry-no-root"),
    pytest.param("pipenv install --deploy --system", "pipenv", ("Pipfile", "Pipfile.lock"),
                 True, False, id="pipenv"),
    pytest.param("uv sync --frozen --no-install-project", "uv", ("pyproject.toml", "uv.lock"),
                 True, False, id="uv-sync-no-project"),
    pytest.param("uv sync --frozen", "uv", ("pyproject.toml", "uv.lock"), True, True,
                 id="uv-sync-project"),
    pytest.param("uv pip install --system -r requirements.txt", "uv", ("requirements.txt",),
                 True, False, id="uv-pip-install"),
    pytest.param("go mod download", "go", ("go.mod", "go.sum"), True, False, id="go"),
    pytest.param("bundle install --jobs 4", "bundler", ("Gemfile", "Gemfile.lock"), True, False,
                 id="bundler"),
    pytest.param("composer install", "composer", ("composer.json", "composer.lock"), True, True,
                 id="composer-scripts"),
    pytest.param("composer install --no-scripts --no-autoloader", "composer",
                 ("composer.json", "composer.lock"), True, False, id="composer-no-scripts"),
    pytest.param("cargo fetch", "cargo", ("Cargo.toml", "Cargo.lock"), True, False, id="cargo-fetch"),
    pytest.param("cargo build --release", "cargo", ("Cargo.toml", "Cargo.lock"), True, True,
                 id="cargo-build"),
    pytest.param("mvn -B dependency:go-offline", "maven", ("pom.xml",), True, False,
                 id="maven-go-offline"),
    pytest.param("mvn dependency:resolve package", "maven", ("pom.xml",), True, True,
                 id="maven-plus-package"),
    pytest.param("gradle dependencies --no-daemon", "gradle", GRADLE, True, False, id="gradle"),
    pytest.param("./gradlew dependencies", "gradle", GRADLE + ("gradlew",), True, False,
                 id="gradlew"),
    pytest.param("dotnet restore", "dotnet", DOTNET, True, False, id="dotnet"),
    pytest.param("cat pkgs | xargs npm install", "npm", NPM, False, True, id="xargs"),
]


@pytest.mark.parametrize("script, ecosystem, manifests, from_manifests, needs_sources", INSTALLS)
def test_dependency_installs(script, ecosystem, manifests, from_manifests, needs_sources):
    (found,) = dependency_installs(script)
    assert (found.ecosystem, found.manifests, found.from_manifests, found.needs_sources) == (
        ecosystem, manifests, from_manifests, needs_sources)
    assert found.reason


@pytest.mark.parametrize("script", [
    pytest.param("npm run build", id="npm-run"),
    pytest.param("yarn build", id="yarn-script"),
    pytest.param("go build ./...", id="go-build"),
    pytest.param("gradle build", id="gradle-build"),
    pytest.param("mvn package", id="maven-package"),
    pytest.param("echo npm install", id="echo"),
    pytest.param("pip install", id="pip-without-arguments"),
])
def test_not_dependency_installs(script):
    assert dependency_installs(script) == []


def test_npm_ci_then_build_split():
    script = "npm ci --ignore-scripts && npm run build"
    (found,) = dependency_installs(script)
    assert (found.command_index, found.needs_sources, found.caveats) == (0, False, ())
    assert script[found.start:found.end] == "npm ci --ignore-scripts"
    assert split_chain(script, found.command_index) == ("npm ci --ignore-scripts", "npm run build")


def test_lifecycle_scripts_caveat():
    (found,) = dependency_installs("npm ci")
    assert len(found.caveats) == 1 and "--ignore-scripts" in found.caveats[0]


def test_reasons_for_needs_sources():
    (poetry,) = dependency_installs("poetry install")
    assert "--no-root" in poetry.reason
    (composer,) = dependency_installs("composer install --no-scripts")
    assert composer.reason.endswith("unless --no-autoloader is given")


def test_the_install_after_a_cd_is_the_second_command():
    (found,) = dependency_installs("cd /src/web && npm ci")
    assert found.command_index == 1
