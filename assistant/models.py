"""The domain objects passed between modules: documents, clauses, citations and answers."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

SECTION_SEP = " › "


class Verdict(str, Enum):
    """What the governing clause says about the thing asked, read from its own wording."""

    prohibited = "prohibited"
    advised_against = "advised_against"
    needs_permission = "needs_permission"
    required = "required"
    permitted = "permitted"
    information = "information"


class PolicyDocument(BaseModel):
    """One policy, as loaded: `text` is what clauses are sliced from and quoted verbatim."""

    model_config = ConfigDict(frozen=True)

    source: str  # path relative to the corpus folder, with forward slashes
    title: str
    text: str
    format: str
    contact: str | None = None
    owner: str | None = None
    offset: int = 0  # where `text` starts in the source file (after any front matter)
    last_reviewed: str | None = None
    dated: str | None = None  # the policy's own date ("Date: 07/06/2014"), where it states no last review
    review_due: date | None = None
    review_due_label: str | None = None
    review_lines: tuple[int, int] | None = None  # where the text states its review dates (offsets in `text`)
    # the numbers a word processor shows before numbered paragraphs ("4.2", "b)"), which its text does not hold:
    # (start, end, number) of each such paragraph in `text`
    numbers: tuple[tuple[int, int, str], ...] = ()

    def number_at(self, offset: int) -> str | None:
        """The number shown before the paragraph standing at `offset` of the text, if it has one."""
        numbered = self.numbered_between(offset, offset + 1)
        return numbered[0] if numbered else None

    def numbered_between(self, start: int, end: int) -> list[str]:
        """The numbers shown before the paragraphs that text[start:end] reaches into, in order."""
        n = max(bisect_right(self.numbers, (start, float("inf"))) - 1, 0)
        out = []
        while n < len(self.numbers) and self.numbers[n][0] < end:
            if self.numbers[n][1] > start:
                out.append(self.numbers[n][2])
            n += 1
        return out
    digest: str = ""  # sha256 of the file's bytes: a later build reuses the document while they are unchanged


class Clause(BaseModel):
    """The smallest quotable unit: a sentence group, a list item or a table row.

    `text == document.text[start:end]` always holds, so any clause can be quoted word for word.
    `context` is the sentence that introduces a list, for list items ("The following are not
    considered acceptable:"); it is also an exact slice of the document.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    document: str
    section: tuple[str, ...] = ()
    kind: str = "sentence"
    start: int
    end: int
    text: str
    context: str | None = None

    @property
    def section_label(self) -> str:
        return SECTION_SEP.join(self.section)


class Place(BaseModel):
    """Another place where the same quoted words stand."""

    source: str
    document: str
    section: str

    @property
    def where(self) -> str:
        return SECTION_SEP.join(part for part in (self.document, self.section) if part)


class Citation(BaseModel):
    """A verbatim quote from a clause and where it stands.

    `quote` is what a reader sees: the source's words with its markup hidden (a link shows its text,
    a table row its cells one a line). `spans` are the source file's character offsets of every
    piece shown (offsets into the extracted text for DOCX, PDF and HTML).
    """

    quote: str
    spans: list[tuple[int, int]] = Field(default_factory=list)
    source: str
    document: str
    section: str
    score: float
    verdict: Verdict = Verdict.information
    context: str | None = None
    columns: list[str] | None = Field(None, description="a table row's column headers")
    clause_id: str
    review_due: str | None = None
    also: list[Place] = Field(default_factory=list, description="other places where the same words stand")
    verified: str | None = Field(None, description='"Verified by <owner>, <date>" when an owner confirmed it')
    limits_first: bool = Field(False, description="a rule or condition from the rest of the first quote's "
                               "paragraph, which limits what that quote says: shown with it")
    cut_before: bool = Field(False, description="the quote starts inside a sentence of the policy")
    cut_after: bool = Field(False, description="the quote stops inside a sentence of the policy (one over the "
                            "quote's word limit): the sentence goes on")

    @property
    def where(self) -> str:
        """"Document › Section", the way every edge shows a citation."""
        return SECTION_SEP.join(part for part in (self.document, self.section) if part)

    @property
    def in_part(self) -> str:
        """How the chat edges say that the quote is part of a longer sentence ("" when it is whole)."""
        return "part of a longer sentence" if self.cut_before or self.cut_after else ""

    @property
    def places(self) -> str:
        """"Document › Section", and every other place the same words stand."""
        return "; ".join([self.where, *(p.where for p in self.also)])


class Answer(BaseModel):
    """What `ask()` returns, serialised as JSON by the CLI and rendered by the chat edges."""

    question: str
    answered: bool
    verdict: Verdict = Verdict.information
    verdict_line: str
    citations: list[Citation] = Field(default_factory=list)
    related: list[Citation] = Field(default_factory=list, description="closest clauses when abstaining")
    warnings: list[str] = Field(default_factory=list)
    contact: str
    scope: list[str] | None = None
    confidence: float = 0.0
    latency_ms: float = 0.0
    verified_id: int | None = Field(None, description="the verified answer whose clause comes first")

    @property
    def shown(self) -> list[Citation]:
        """What the chat edges and the terminal show: the clause that answers (joined neighbours and all)
        alone, with the rule of its paragraph that limits it if there is one ("Please get approval
        first"), or, when abstaining, the two closest clauses."""
        if not self.answered:
            return self.related[:2]
        return self.citations[:2] if len(self.citations) > 1 and self.citations[1].limits_first else self.citations[:1]

    @property
    def held_back(self) -> list[Citation]:
        """Ranked citations not shown at first, offered under "More clauses"."""
        return self.citations[len(self.shown):] if self.answered else []


class DocumentStatus(BaseModel):
    """A policy with its review status, for listings such as `/policy list`."""

    source: str
    title: str
    contact: str | None
    last_reviewed: str | None
    review_due: str | None
    overdue: bool
    clauses: int
    dated: str | None = None  # the policy's own date, where it states no review

    @property
    def review_label(self) -> str:
        """What a listing says of its review: "review due June 2024", or what the policy states instead."""
        if self.review_due:
            return f"review due {self.review_due}"
        return f"no review date (dated {self.dated})" if self.dated else "no review date"


class VerifiedAnswer(BaseModel):
    """Example questions, the clause that answers them (document + exact quote), and who said so."""

    id: int = 0
    questions: list[str] = Field(min_length=1)
    source: str
    quote: str
    verdict: Verdict | None = None
    verified_by: str
    owner_id: str | None = None  # the owner's Slack user id / Teams AAD object id, to tell them of changes
    platform: str = "cli"
    verified_at: str = ""
    suspended: str | None = None  # why it is no longer used (its quote left the document)

    @property
    def label(self) -> str:
        """"Verified by <owner>, <date>", as every edge shows it."""
        return f"Verified by {self.verified_by}, {self.verified_at[:10]}"


class Suggestion(BaseModel):
    """A clause a member of staff said answered their question, waiting for an owner's decision."""

    id: int = 0
    question_id: int | None = None
    question: str
    source: str
    quote: str
    suggested_by: str | None = None
    platform: str = "cli"
    suggested_at: str = ""
    status: str = "pending"  # pending | accepted | rejected
    decided_by: str | None = None
