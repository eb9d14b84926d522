"""Chrome prune rules (XPath from chrome.yaml) evaluated together in one walk of the tree.

libxml2 evaluates each `//*[contains(@class, ...) or ...]` rule with a full traversal and a string copy per
`contains()`: 16 rules cost more than trafilatura itself on a portal page. The rules only ever test a node's
name, its attributes and its ancestors' names, so they are compiled here into Python predicates over those,
and the answer for a (tag, attribute values) combination is remembered: class strings repeat on every page
of a portal. A rule outside that subset (a test on the node's text, a child or position test) is left to
libxml2 and keeps its place in the order: everything before it is applied first, as before.

The subset: unions of `//step//step...` paths, each step a name or `*` with predicates made of `or`, `and`,
`not()`, parentheses, `contains()`, `starts-with()`, `=`, `ancestor::name`, over `@attr`, string literals,
`normalize-space()` and `concat()` of those. tests/unit/test_extraction_speedups.py checks that the compiled
rules select exactly what libxml2 selects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

_TOKEN = re.compile(r"""\s*(?:('[^']*'|"[^"]*")|(\d+(?:\.\d*)?)|(//|::|!=|<=|>=|[/|\[\](),=<>@*.])|([A-Za-z_][\w.\-]*))""")
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_MEMO_LIMIT = 200_000


class Unsupported(Exception):
    """The expression is outside the compiled subset: libxml2 evaluates it."""


def _tokens(src: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    src = src.rstrip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise Unsupported(src[pos:pos + 20])
        literal, number, op, name = m.groups()
        if literal is not None:
            out.append(("lit", literal[1:-1]))
        elif number is not None:
            out.append(("num", number))
        elif op is not None:
            out.append(("op", op))
        else:
            out.append(("name", name))
        pos = m.end()
    return out


# AST: ("or", [..]) ("and", [..]) ("not", x) ("contains", a, b) ("starts", a, b) ("eq", a, b) ("anc", name)
# string expressions: ("lit", s) ("attr", name) ("nspace", x) ("concat", [..])
class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0
        self.attrs: set[str] = set()

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise Unsupported(f"expected {value or kind}, got {tok[1]!r}")
        self.i += 1
        return tok[1]

    def at(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        return tok[0] == kind and (value is None or tok[1] == value)

    def union(self) -> list[list[tuple[str, list]]]:
        paths = [self.path()]
        while self.at("op", "|"):
            self.take("op", "|")
            paths.append(self.path())
        if not self.at("end"):
            raise Unsupported(f"trailing {self.peek()[1]!r}")
        return paths

    def path(self) -> list[tuple[str, list]]:
        steps = []
        while self.at("op", "//"):
            self.take("op", "//")
            name = self.take("op", "*") if self.at("op", "*") else self.take("name")
            if self.at("op", "::") or self.at("op", "("):
                raise Unsupported("axis or function step")
            preds = []
            while self.at("op", "["):
                self.take("op", "[")
                preds.append(self.orexpr())
                self.take("op", "]")
            steps.append((name, preds))
        if not steps:
            raise Unsupported("path must start with //")
        return steps

    def orexpr(self):
        items = [self.andexpr()]
        while self.at("name", "or"):
            self.take("name")
            items.append(self.andexpr())
        return items[0] if len(items) == 1 else ("or", items)

    def andexpr(self):
        items = [self.primary()]
        while self.at("name", "and"):
            self.take("name")
            items.append(self.primary())
        return items[0] if len(items) == 1 else ("and", items)

    def primary(self):
        if self.at("op", "("):
            self.take("op", "(")
            inner = self.orexpr()
            self.take("op", ")")
            return inner
        tok = self.peek()
        if tok == ("name", "not") and self.peek(1) == ("op", "("):
            self.i += 2
            inner = self.orexpr()
            self.take("op", ")")
            return ("not", inner)
        if tok[0] == "name" and tok[1] in ("contains", "starts-with") and self.peek(1) == ("op", "("):
            self.i += 2
            a = self.sexpr()
            self.take("op", ",")
            b = self.sexpr()
            self.take("op", ")")
            return ("contains" if tok[1] == "contains" else "starts", a, b)
        if tok == ("name", "ancestor") and self.peek(1) == ("op", "::"):
            self.i += 2
            name = self.take("op", "*") if self.at("op", "*") else self.take("name")
            if self.at("op", "[") or self.at("op", "/") or self.at("op", "//"):
                raise Unsupported("ancestor step with predicates or a path")
            return ("anc", name)
        left = self.sexpr()
        self.take("op", "=")
        return ("eq", left, self.sexpr())

    def sexpr(self):
        tok = self.peek()
        if tok[0] == "lit":
            self.i += 1
            return ("lit", tok[1])
        if tok == ("op", "@"):
            self.i += 1
            name = self.take("name")
            self.attrs.add(name)
            return ("attr", name)
        if tok == ("name", "normalize-space") and self.peek(1) == ("op", "("):
            self.i += 2
            if self.at("op", ")"):
                raise Unsupported("normalize-space() of the context node's text")
            inner = self.sexpr()
            self.take("op", ")")
            return ("nspace", inner)
        if tok == ("name", "concat") and self.peek(1) == ("op", "("):
            self.i += 2
            parts = [self.sexpr()]
            while self.at("op", ","):
                self.take("op", ",")
                parts.append(self.sexpr())
            self.take("op", ")")
            if len(parts) < 2:
                raise Unsupported("concat() needs two arguments")
            return ("concat", parts)
        raise Unsupported(f"unsupported expression at {tok[1]!r}")


def _string(node, attrs: dict[str, str | None]) -> str:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "attr":
        return attrs[node[1]] or ""
    if kind == "nspace":
        return _XML_SPACE.sub(" ", _string(node[1], attrs)).strip(" ")
    return "".join(_string(p, attrs) for p in node[1])


def _eval(node, attrs: dict[str, str | None], ancestors) -> bool | None:
    """XPath truth of a predicate. `ancestors()` lists the context node's ancestor tags; None instead of it
    asks for the answer without them: None where it depends on them (three-valued, like SQL's NULL)."""
    kind = node[0]
    if kind == "or":
        unknown = False
        for item in node[1]:
            value = _eval(item, attrs, ancestors)
            if value:
                return True
            unknown = unknown or value is None
        return None if unknown else False
    if kind == "and":
        unknown = False
        for item in node[1]:
            value = _eval(item, attrs, ancestors)
            if value is False:
                return False
            unknown = unknown or value is None
        return None if unknown else True
    if kind == "not":
        value = _eval(node[1], attrs, ancestors)
        return None if value is None else not value
    if kind == "anc":
        if ancestors is None:
            return None
        name = node[1]
        tags = ancestors()
        return bool(tags) if name == "*" else name in tags
    if kind == "eq":
        a, b = node[1], node[2]
        # A missing attribute is an empty node-set: it equals nothing.
        if (a[0] == "attr" and attrs[a[1]] is None) or (b[0] == "attr" and attrs[b[1]] is None):
            return False
        return _string(a, attrs) == _string(b, attrs)
    haystack, needle = _string(node[1], attrs), _string(node[2], attrs)
    return needle in haystack if kind == "contains" else haystack.startswith(needle)


def _step_matches(step, tag: str, attrs, ancestors) -> bool | None:
    name, preds = step
    if name != "*" and name != tag:
        return False
    unknown = False
    for pred in preds:
        value = _eval(pred, attrs, ancestors)
        if value is False:
            return False
        unknown = unknown or value is None
    return None if unknown else True


@dataclass
class CompiledRules:
    """Several prune rules as one predicate over (tag, attributes, ancestors)."""
    paths: list[list[tuple[str, list]]]
    attr_names: tuple[str, ...]
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        self._memo: dict[tuple, tuple[bool, tuple[int, ...]]] = {}

    def _attrs(self, el) -> dict[str, str | None]:
        return {name: el.get(name) for name in self.attr_names}

    def _partial(self, key: tuple, tag: str, attrs) -> tuple[bool, tuple[int, ...]]:
        """(matched without looking at ancestors, paths that need the ancestors to decide)."""
        pending = []
        for index, steps in enumerate(self.paths):
            last = _step_matches(steps[-1], tag, attrs, None)
            if last is False:
                continue
            if last is True and len(steps) == 1:
                return True, ()
            pending.append(index)
        return False, tuple(pending)

    def _path_matches(self, steps, el) -> bool:
        """Full XPath semantics of `//s1//s2...//sn` for element `el`: it matches sn, and a chain of proper
        ancestors matches s(n-1), ..., s1 (the nearest ancestor matching each step leaves the most room)."""
        if not self._element_matches(steps[-1], el):
            return False
        node = el
        for step in reversed(steps[:-1]):
            node = next((a for a in node.iterancestors() if self._element_matches(step, a)), None)
            if node is None:
                return False
        return True

    def _element_matches(self, step, el) -> bool:
        tags = None

        def ancestors():
            nonlocal tags
            if tags is None:
                tags = {a.tag for a in el.iterancestors() if isinstance(a.tag, str)}
            return tags

        return bool(_step_matches(step, el.tag, self._attrs(el), ancestors))

    def select(self, root) -> list:
        """Every element of `root`'s document the rules select, in document order."""
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        names = self.attr_names
        found = []
        for el in root.iter(etree.Element):
            tag = el.tag
            key = (tag, *[el.get(n) for n in names])
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = self._partial(key, tag, dict(zip(names, key[1:])))
            matched, pending = hit
            if matched or (pending and any(self._path_matches(self.paths[i], el) for i in pending)):
                found.append(el)
        return found


def compile_rule(src: str) -> CompiledRules:
    """One rule compiled, or Unsupported."""
    parser = _Parser(src)
    paths = parser.union()
    return CompiledRules(paths, tuple(sorted(parser.attrs)), (src,))


def _merge(rules: list[CompiledRules]) -> CompiledRules:
    names = tuple(sorted({n for r in rules for n in r.attr_names}))
    return CompiledRules([p for r in rules for p in r.paths], names, tuple(s for r in rules for s in r.sources))


@lru_cache(maxsize=64)
def prune_plan(xpaths: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    """The rules in their order as steps: ("walk", CompiledRules) for a run of compiled rules, ("xpath",
    etree.XPath) for a rule libxml2 evaluates. A rule libxml2 cannot compile is left out, as it always was."""
    plan: list[tuple[str, object]] = []
    run: list[CompiledRules] = []
    for src in xpaths:
        try:
            xpath = etree.XPath(src)
        except etree.XPathError:
            continue
        try:
            run.append(compile_rule(src))
            continue
        except Unsupported:
            pass
        if run:
            plan.append(("walk", _merge(run)))
            run = []
        plan.append(("xpath", xpath))
    if run:
        plan.append(("walk", _merge(run)))
    return tuple(plan)
