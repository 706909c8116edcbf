"""Finding the words a reader would see that are not marked for translation.

Templates: any text between tags, and any `alt`, `title`, `placeholder`, `aria-label` or
`label` attribute, or button value, must come from `{{ _() }}` or a `{% trans %}` block;
string literals inside Jinja code that read as prose ("Dark theme", "Saved.") must be inside
`_()`. Python: the first argument of `flash()`, field labels and descriptions, validators'
messages, `ValidationError`s, `abort()` descriptions, a page's `title=`, the choices of a
select, a placeholder, and an email's subject must not be bare literals.

The JSON API and the command line speak English on purpose (flaskblog.i18n), so their
modules are not read. `python -m tests.helpers.translations [PATH...]` lists what is
unmarked under the paths given (all of flaskblog by default).
"""

import ast
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import i18n

PACKAGE = Path(__file__).resolve().parents[2] / "flaskblog"
# Written for machines, or by and for the command line, in English on purpose.
NOT_READ = ("api/", "seed/", "cli.py", "commands.py", "imports/commands.py")
NOT_READ_TEMPLATES = ("robots.txt",)
# Words that are the same in every language.
SAME_EVERYWHERE = {"flaskblog"}

TRANSLATED_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}  # <input>s whose value is their text
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext"}
LETTER = re.compile(r"[^\W\d_]")
# A literal in template code that reads as prose: a capitalised word, or a sentence's end.
PROSE = re.compile(r"^[A-Z][a-z’']+\b|[a-z][.!?…]$|^[a-z]+ [a-z]+ [a-z]+")

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
JINJA_STATEMENT = re.compile(r"\{%.*?%\}", re.S)

_environment = Environment(extensions=[i18n], autoescape=True)  # only its lexer is used


def unmarked(paths: list[Path] | None = None) -> list[str]:
    """Every unmarked string under `paths` (default: the whole package), as
    "file:line: text"."""
    found = []
    for path in _files(paths or [PACKAGE]):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if path.suffix == ".py":
            found += [f"{relative}:{line}: {text}" for line, text in unmarked_in_python(path)]
        else:
            found += [f"{relative}:{line}: {text}" for line, text in unmarked_in_template(path)]
    return found


def _files(paths: list[Path]):
    """The modules and templates under `paths`, less those NOT_READ; scripts are read by
    unmarked_in_scripts."""
    for root in paths:
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            inside = path.relative_to(PACKAGE).as_posix()
            module = path.suffix == ".py" and not any(
                inside.startswith(part) or inside.endswith(part) for part in NOT_READ
            )
            template = (
                path.suffix in (".html", ".txt")
                and "/templates/" in f"/{inside}"
                and path.name not in NOT_READ_TEMPLATES
            )
            if module or template:
                yield path


# --- Templates -----------------------------------------------------------------------------


def unmarked_in_template(path: Path) -> list[tuple[int, str]]:
    source = path.read_text()
    found = list(_prose_literals_in_code(source))
    # Blank out what is marked or not shown, keeping the line numbers.
    text = JINJA_COMMENT.sub(_blank, source)
    text = TRANS_BLOCK.sub(_blank, text)
    text = JINJA_EXPRESSION.sub(lambda m: "\x00" + _blank(m)[1:], text)
    text = JINJA_STATEMENT.sub(_blank, text)
    if path.suffix == ".txt":
        lines = enumerate(text.splitlines(), start=1)
        found += [(n, " ".join(line.split())) for n, line in lines if _TextReader._words(line)]
        return sorted(set(found))
    reader = _TextReader()
    reader.feed(text)
    reader.close()
    found += reader.found
    return sorted(set(found))


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _prose_literals_in_code(source: str):
    """String literals in `{{ }}` and `{% %}` that read as prose and are not in `_()`."""
    calls: list[str | None] = []
    previous = None
    for token in _environment.lexer.tokenize(source):
        line, kind, value = token.lineno, token.type, token.value
        if kind == "lparen":
            calls.append(previous[1] if previous and previous[0] == "name" else None)
        elif kind == "rparen" and calls:
            calls.pop()
        elif kind == "string" and not GETTEXT_NAMES & set(calls) and PROSE.search(value):
            yield line, value
        elif kind in ("block_end", "variable_end"):
            calls.clear()
        previous = (kind, value)


class _TextReader(HTMLParser):
    """Text between tags and translated attributes that still hold letters of their own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        attributes = dict(attrs)
        for name, value in attrs:
            translated = name in TRANSLATED_ATTRIBUTES or (
                tag == "input" and name == "value" and attributes.get("type") in BUTTON_TYPES
            )
            if translated and value and self._words(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data) -> None:
        if not self.hidden and self._words(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))

    @staticmethod
    def _words(text: str) -> bool:
        words = [w for w in re.split(r"[\s\x00]+", text) if LETTER.search(w)]
        return any(word.strip(".,:;·()") not in SAME_EVERYWHERE for word in words)


# --- Scripts -------------------------------------------------------------------------------

JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*?$|\s//\s.*?$", re.S | re.M)
JS_STRING = re.compile(r"\"([^\"\n]*)\"|'([^'\n]*)'|`([^`]*)`")
JS_PROSE = re.compile(r"^[A-Z][a-z’']* [a-z(]")


def unmarked_in_scripts(scripts: Path = PACKAGE / "static" / "js") -> list[str]:
    """Sentences written into the site's scripts: their words must come from the page
    (a data- attribute or a JSON block its template writes with `_()`)."""
    found = []
    for path in sorted(scripts.glob("*.js")):
        source = JS_COMMENT.sub("", path.read_text())
        for match in JS_STRING.finditer(source):
            text = next(group for group in match.groups() if group is not None)
            if JS_PROSE.search(text):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PACKAGE.parent).as_posix()}:~{line}: {text}")
    return found


# --- Python --------------------------------------------------------------------------------

VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Length",
    "Email",
    "EqualTo",
    "Regexp",
    "NumberRange",
    "URL",
    "AnyOf",
    "NoneOf",
    "FileAllowed",
    "FileRequired",
    "FileSize",
    "Optional",
}


def unmarked_in_python(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [(arg.lineno, _shown(arg)) for arg in _shown_arguments(node) if _bare(arg)]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _literal(key) == "placeholder" and _bare(value):
                    found.append((value.lineno, _shown(value)))
    return sorted(set(found))


def _shown_arguments(call: ast.Call) -> list[ast.expr]:
    name = _name(call.func)
    args, keywords = call.args, {k.arg: k.value for k in call.keywords}
    shown = []
    if name == "flash" and args:
        shown.append(args[0])
    elif name.endswith("Field") and name[:1].isupper():
        shown += args[:1]
        shown += [keywords[k] for k in ("label", "description") if k in keywords]
        if isinstance(keywords.get("choices"), ast.List | ast.Tuple):
            for choice in keywords["choices"].elts:
                if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                    shown.append(choice.elts[1])
    elif name in VALIDATORS and "message" in keywords:
        shown.append(keywords["message"])
    elif name in ("ValidationError", "StopValidation") and args:
        shown.append(args[0])
    elif name == "abort":
        shown += args[1:2]
        shown += [keywords[k] for k in ("description",) if k in keywords]
    elif name == "render_template" and "title" in keywords:
        shown.append(keywords["title"])
    elif name == "send_email":
        shown += args[1:2]
        shown += [keywords[k] for k in ("subject",) if k in keywords]
    elif name == "SelectChoice" and len(args) >= 2:
        shown.append(args[1])
    return shown


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _bare(node: ast.expr) -> bool:
    """Words written out in the code rather than looked up: a literal with letters, an
    f-string, or a sum or %-format of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(LETTER.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_bare(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    return False


def _shown(node: ast.expr) -> str:
    return ast.unparse(node)[:80]


if __name__ == "__main__":
    targets = [Path(arg).resolve() for arg in sys.argv[1:]] or None
    lines = unmarked(targets) + (unmarked_in_scripts() if targets is None else [])
    print("\n".join(lines) or "Every string is marked.")
    print(f"{len(lines)} unmarked", file=sys.stderr)
