"""Text helpers shared by retrieval and quoting: folding for verbatim checks, tokens for BM25."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.entities import html5

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})

STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't
my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up very was wasn't
we we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom why
why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
also get got just like ok okay really still way want wants need please thanks thank hi hello hey s t
""".split())
# Words that carry the rule itself; kept for verdicts, ignored for topical matching.
# ... and the frames of asking for them ("Am I supposed to …?", "Is it alright to …?", "Am I meant to …?"), which a policy
# seldom writes: never a word its answer lacks
MODAL_WORDS = frozenset("must may might shall should allowed allow permitted permit ok okay alright supposed meant can".split())


def fold(text: str) -> str:
    """Normalise for verbatim comparison: straight quotes, no Markdown emphasis, single spaces, lower case."""
    text = text.translate(_QUOTES)
    text = re.sub(r"[*_`#>]", "", text)
    return " ".join(text.split()).lower()


# reStructuredText's and MyST's inline markup: a role's name (":ref:`…`", "{term}`…`") and a link's target ("`the
# forum <https://…>`_") show nothing; the words between the backticks show
ROLE = re.compile(r"(?<![\w`]):[A-Za-z][\w.+:-]*:(?=`)|\{[A-Za-z][\w.+:-]*\}(?=`)")
ROLE_TARGET = re.compile(r"(?<=[^\s`])\s*<[^<>`\n]+>(?=`)")
# AsciiDoc's link: "link:https://…[the text shown]", "xref:page.adoc[text]", "mailto:a@b.org[text]", or a bare
# "https://…[text]"; with no text ("link:https://…[]") it shows its target. Groups: prefix, target, "[", text, "]"
ADOC_LINK = re.compile(r"(\b(?:link|xref|mailto):|(?<![\w/()\]])(?=https?://))([^\s\[\]()<>]+)(\[)([^\]\n]*)(\])")
# AsciiDoc's cross reference: "<<video, YouTube Live Streaming>>" shows its text, "<<BDFL>>" its target
ADOC_XREF = re.compile(r"(<<)([\w:.#/-]+)(?:(,[ \t]*)([^<>\n]+?))?(>>)")
# An HTML character reference, which Markdown reads as the character it names: "&quot;", "&#39;", "&#x20;"
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")  # white space, zero-width spaces and joiners
_MARKUP = re.compile(r"[\[{<\\*_`#>]")


def entity(reference: str) -> str | None:
    """What a character reference shows: its character, " " for any kind of space, None for no known name."""
    if reference[1] == "#":
        character = html.unescape(reference)
    else:
        character = html5.get(reference[1:], "")  # the name whole ("&notit;" names nothing, not "¬" then "it;")
    if not character:
        return None
    return " " if _INVISIBLE.fullmatch(character) else character


def plain(text: str) -> str:
    """Markdown and template markup removed, for embedding and matching (never for quoting)."""
    if not _MARKUP.search(text):  # nothing for the patterns below to remove
        return " ".join(text.translate(_QUOTES).split())
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = ADOC_LINK.sub(lambda m: m.group(4) if m.group(4).strip() else m.group(2), text)
    text = ADOC_XREF.sub(lambda m: m.group(4) or m.group(2), text)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|<[^>]+>", " ", text)
    text = ROLE_TARGET.sub("", ROLE.sub("", text))
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!=])", r"\1", text)
    text = re.sub(r"[*_`]+|^#+\s*|^\s*>\s?", "", text, flags=re.M)
    return " ".join(text.translate(_QUOTES).split())


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # any ASCII punctuation may be escaped (CommonMark)


_ESCAPED_OR_REFERENCE = re.compile(_ESCAPED.pattern + "|" + ENTITY.pattern)


def unescape(text: str) -> str:
    """Markdown's backslash escapes ("\\(MoJ\\)") and character references ("Principles &amp; Definitions") as
    the characters they stand for, for titles and headings ("\\&amp;" stays "&amp;", as Markdown shows it)."""
    return _ESCAPED_OR_REFERENCE.sub(lambda m: m.group(1) or entity(m.group(0)) or m.group(0), text)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words."""
    words = _TOKEN.findall(plain(text).lower())
    return [stem(w.replace("’", "'").split("'")[0]) for w in words if w not in STOPWORDS and len(w) > 1
            or w.isdigit()]


# An emoji, as typed (pictographs, with their joiners and variation selectors) or as Slack sends it (":rolling_eyes:")
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+"
                    r"|(?<![\w:])(?::[a-z0-9_+-]*[a-z][a-z0-9_+-]*:)+(?![\w:])")


def without_emoji(question: str) -> str:
    """A question with its emoji read as the pauses they stand for ("got flu on my week off 🙄 can I …?" reads
    "got flu on my week off, can I …?"): words to search and read, with no symbol's name among them."""
    if not _EMOJI.search(question):
        return question
    marked = _EMOJI.sub(" \x1f ", question)
    marked = re.sub(r"\s*\x1f[\s\x1f]*(?=[?.!,;:]|$)|^[\s\x1f]+", "", marked)  # at the end, or before a stop: nothing
    return " ".join(re.sub(r"\s*\x1f[\s\x1f]*", ", ", marked).split())

