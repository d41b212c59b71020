"""Is a question in English? The embedding model and the policies are English-only, so others are told so.

Two general signals, no list fitted to any question set: the script (mostly letters outside the Latin
alphabet is not English), and the share of the question's words that are English function words
against the share that are the commonest function words of the other major Latin-script languages.
A question too short to tell is taken as English.
"""

from __future__ import annotations

import re
import unicodedata

from .text import STOPWORDS

# The most frequent function words of French, Spanish, German, Italian, Portuguese and Dutch that are
# not also English words.
_OTHER_FUNCTION_WORDS = frozenset("""
le la les des du une est sont je tu il elle nous vous ils elles ce cette ces mon ma mes ton ta tes son sa ses
leur leurs qui que quoi dans pour avec sur pas ne plus mais ou où et être avoir fait peut puis dois doit
el los las del un una unos unas es son yo tú él ella nosotros ellos que qué en con por para sin pero como
cuando donde dónde puedo puede debo debe mi mis tu tus su sus hay está están ser estar
der die das den dem des ein eine einen einem einer ist sind ich du er sie wir ihr nicht und oder aber mit
für auf bei zu von wie wann wo darf kann muss soll mein meine dein deine sein seine kein keine auch noch
il lo gli uno della delle degli è sono io lui lei noi voi loro che chi non con per tra fra ma come quando
dove posso può devo deve mio mia miei suo sua
os um uma é são eu ele ela nós eles elas não com por para mas como quando onde posso pode devo deve meu minha
seu sua de di da se al
het een zijn ik jij hij wij jullie zij niet en maar met voor van hoe wanneer waar mag kan moet mijn geen ook
""".split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_WORDS = 3  # fewer words than this cannot be told apart reliably


def is_english(question: str) -> bool:
    """False when a question is clearly in another language or script."""
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))  # a-z, A-Z: Latin
    if latin < 0.5 * len(letters):
        return False
    words = [w.lower().replace("’", "'") for w in _WORD.findall(question)]
    if len(words) < MIN_WORDS:
        return True
    english = sum(1 for w in words if w in STOPWORDS)
    other = sum(1 for w in words if w in _OTHER_FUNCTION_WORDS and w not in STOPWORDS)
    return english >= other
