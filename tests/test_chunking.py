"""Chunking: clauses are sentence groups, list items and table rows, each with its section and lead-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.chunking import MAX_CLAUSE_WORDS, chunk_document, passage, sentence_spans
from assistant.loaders import load_corpus, load_document
from assistant.models import PolicyDocument
from assistant.quoting import shown

GLENMERE_TXT = Path(__file__).resolve().parent / "fixtures" / "glenmere-social-media-policy-2023-24.txt"
CODE_OF_CONDUCT = "Code of Conduct for all members of staff at Glenmere Primary School – Social Networking"


def doc_of(text: str, title: str = "Leave Policy", fmt: str = "markdown") -> PolicyDocument:
    return PolicyDocument(source="leave.md", title=title, text=text, format=fmt)


def clauses_of(text: str, **kw):
    doc = doc_of(text, **kw)
    clauses = chunk_document(doc)
    for clause in clauses:
        assert doc.text[clause.start:clause.end] == clause.text
    return clauses


def find(clauses, fragment: str):
    found = [c for c in clauses if fragment in c.text]
    assert len(found) == 1, (fragment, [c.text for c in clauses])
    return found[0]


MARKDOWN = """# Leave Policy

This policy explains leave.

## Annual leave

Staff are entitled to 25 days.

### Carrying over

Up to five days may be carried over.

## Sickness

Report sickness by 9am.
"""


def test_markdown_section_paths_without_the_title():
    clauses = clauses_of(MARKDOWN)
    assert find(clauses, "This policy explains").section == ()
    assert find(clauses, "25 days").section == ("Annual leave",)
    assert find(clauses, "five days").section == ("Annual leave", "Carrying over")
    assert find(clauses, "by 9am").section == ("Sickness",)
    assert all("Leave Policy" not in c.section for c in clauses)
    assert not any(c.text.startswith("#") for c in clauses)


def test_title_heading_named_later_is_not_a_section():
    clauses = clauses_of("Intro line.\n\n## Scope\n\nApplies to all.\n\n# Leave Policy\n\nStaff must ask.\n")
    assert find(clauses, "Applies").section == ("Scope",)
    assert find(clauses, "Staff must ask").section == ()


def test_second_top_level_heading_is_a_section():
    clauses = clauses_of("# Leave Policy\n\nIntro.\n\n# Appendix\n\nForms are online.\n")
    assert find(clauses, "Forms").section == ("Appendix",)


def test_a_table_of_contents_is_not_quoted():
    """Contents lines (entry, dot leaders, page number) name the headings that follow; they are no clause."""
    text = ("# Safeguarding Policy\n\nContents\n\n1 Introduction ......................... 3\n"
            "17 Health & Safety . . . . . . . . 29\n25 Upskirting……………………..........39\n\n"
            "## 1. Introduction\n\nStaff report concerns to the DSL the same day... 3 times a day if needed.\n")
    clauses = clauses_of(text)
    assert not any(re.search(r"\.{4}|\. \. \.|…", c.text) for c in clauses)
    assert find(clauses, "Staff report").text == "Staff report concerns to the DSL the same day... 3 times a day if needed."


@pytest.mark.parametrize("text, title, sections", [
    # a table of contents set in a larger heading than the sections it lists is not their parent
    ("#### Safeguarding Policy\n\n# Important Contacts\n\nThe DSL is Mrs Khan.\n\n# Table of Contents (Part A)\n\n"
     "1. Policy Statement ........ 3\n\n## 1. Policy Statement\n\nStaff report concerns the same day.\n",
     "Safeguarding Policy", {"Staff report": ("1. Policy Statement",), "The DSL": ("Important Contacts",)}),
    # nor are a cover sheet's fields, which Word authors set in heading styles ("Scope: …", "Authors:");
    # a section named "Scope" still is one
    ("# Department: Supported Living Title: Complaints Policy\n\n# Scope: This policy outlines our approach\n\n"
     "**Review date:**\n\n# Authors:\n\n## Verbal complaints\n\nStaff resolve verbal complaints at once.\n\n"
     "# Scope\n\nIt covers all staff.\n",
     "Complaints Policy", {"Staff resolve": ("Verbal complaints",), "It covers": ("Scope",)}),
])
def test_headings_that_head_no_section(text, title, sections):
    clauses = clauses_of(text, title=title)
    assert {fragment: find(clauses, fragment).section for fragment in sections} == sections


def test_setext_and_bold_headings():
    text = "Holidays\n========\n\nBook early.\n\n**Bank holidays**\n\nThe office is closed.\n"
    clauses = clauses_of(text, title="Other")
    assert find(clauses, "Book early").section == ()  # first level-1 heading names the document
    assert find(clauses, "office is closed").section[-1] == "Bank holidays"


def test_a_bold_title_line_with_its_text_below_heads_that_text():
    """An FAQ written "**Q: …?**" with its answer on the next line: each question heads its own answer, not
    the answers after it. A bold sentence opening a paragraph stays a sentence of it."""
    text = ("# Benefits\n\n## FAQ\n\n**Q: Who has access?**\n\nA: Every teammate has access.\n\n"
            "**Q: How much is the budget?**\nA: Up to $25,000 for each teammate.\n\n"
            "**Q: Is it in USD?**\nA: Yes, paid in your local currency.\n\n"
            "**Never share your password.**\nIT staff will never ask for it.\n")
    clauses = clauses_of(text, title="Benefits")
    assert find(clauses, "Every teammate").section == ("FAQ", "Q: Who has access?")
    assert find(clauses, "Up to $25,000").section == ("FAQ", "Q: How much is the budget?")
    assert find(clauses, "Up to $25,000").text == "A: Up to $25,000 for each teammate."
    assert find(clauses, "local currency").section == ("FAQ", "Q: Is it in USD?")
    assert find(clauses, "Never share your password").section == ("FAQ", "Q: Is it in USD?")


def test_a_rule_set_in_bold_on_its_own_line_is_a_clause_not_a_heading():
    """A whole rule in bold before the paragraphs that follow it is a clause of its section: it was read as a
    heading over them, so the rule itself could never be quoted. A bold title or question still heads."""
    text = ("# Social Media\n\n**Terms and Conditions of Use**\n\nRequests go to the Communications Team.\n\n"
            "**Use of personal social media accounts and user IDs, for church use, is prohibited.**\n\n"
            "Use of church user IDs, for personal use, is prohibited.\n\n"
            "**Q: May I post photos of events?**\n\nA: Only with consent.\n")
    clauses = clauses_of(text, title="Social Media")
    rule = find(clauses, "Use of personal social media accounts")
    assert rule.section == ("Terms and Conditions of Use",)
    assert find(clauses, "for personal use, is prohibited").section == ("Terms and Conditions of Use",)
    assert find(clauses, "Only with consent").section == ("Q: May I post photos of events?",)


def test_heading_markup_is_cleaned():
    clauses = clauses_of("# T\n\n## The [code](http://x) of *conduct* {#anchor}\n\nBe kind.\n", title="T")
    assert find(clauses, "Be kind").section == ("The code of conduct",)


def test_a_heading_numbered_as_the_next_sibling_stands_where_its_sibling_stood():
    # "**D.4.b.**" in bold holds headings marked "##### A." and "##### B."; "**D.4.c.**" is D.4.b.'s sibling, not a
    # part of "B." — but a new count ("1." again under another part) is read by its marks
    text = ("# Employee Conduct\n\n**D.4.a. Drug Free Workplace**\n\nNo drugs at work.\n\n"
            "**D.4.b. Code of Conduct**\n\nAct with integrity.\n\n##### A. General Principles\n\nBe honest.\n\n"
            "##### B. Use of Property\n\nUse it for work.\n\n**D.4.c. Other Prohibited Conduct**\n\nNo weapons on site.\n\n"
            "## Part Two\n\n### 1. Keys\n\nKeep keys safe.\n\n### 2. Badges\n\nWear your badge.\n\n"
            "## Part Three\n\n### 1. Visitors\n\nSign visitors in.\n")
    clauses = clauses_of(text, title="Employee Conduct")
    assert find(clauses, "No weapons").section == ("D.4.c. Other Prohibited Conduct",)
    assert find(clauses, "Use it for work").section == ("B. Use of Property",)
    assert find(clauses, "Wear your badge").section == ("Part Two", "2. Badges")
    assert find(clauses, "Sign visitors in").section == ("Part Three", "1. Visitors")


def test_escaped_punctuation_in_a_title_and_a_heading_shows_unescaped(tmp_path):
    # pandoc writes Markdown with its punctuation escaped: "\\(MoJ\\)", "\\-"
    (tmp_path / "overseas.md").write_text("# Accessing Ministry of Justice \\(MoJ\\) IT Systems From Overseas\n\n"
                                          "## Before you go \\- the form\n\nAsk your line manager first.\n",
                                          encoding="utf-8")
    doc = load_document(tmp_path / "overseas.md")
    assert doc.title == "Accessing Ministry of Justice (MoJ) IT Systems From Overseas"
    assert chunk_document(doc)[0].section == ("Before you go - the form",)


def test_character_references_in_a_title_and_a_heading_show_as_their_characters(tmp_path):
    # converters write "&" in headings as "&amp;", which Markdown shows as "&"; an escaped one stays as written
    (tmp_path / "flexi.md").write_text("# Flexi &amp; Core Time\n\n## 2. Principles &amp; Definitions\n\n"
                                       "Core time is 10.00 to 16.00.\n\n## Q\\&amp;A\n\nAsk HR.\n", encoding="utf-8")
    doc = load_document(tmp_path / "flexi.md")
    assert doc.title == "Flexi & Core Time"
    clauses = chunk_document(doc)
    assert find(clauses, "Core time is").section == ("2. Principles & Definitions",)
    assert find(clauses, "Ask HR").section == ("Q&amp;A",)


def test_headings_written_without_a_space_after_their_marks(tmp_path):
    """"#Salary and Equity Compensation", "##Salary", "###Overview." are headings, as older Markdown renderers
    showed them; a hashtag alone on its line ("#TeamGlenmere") is not."""
    path = tmp_path / "pay.md"
    path.write_text("#Salary and Equity Compensation\n\n##Salary\n\nSalaries are reviewed in March.\n\n"
                    "###Overview.\n\nPay is monthly.\n\n#TeamGlenmere\n\nShare good news.\n", encoding="utf-8")
    doc = load_document(path, "pay.md")
    assert doc.title == "Salary and Equity Compensation"
    clauses = chunk_document(doc)
    assert find(clauses, "reviewed in March").section == ("Salary",)
    assert find(clauses, "monthly").section == ("Salary", "Overview.")
    assert find(clauses, "#TeamGlenmere").section == ("Salary", "Overview.")


# ---------------------------------------------------------------- plain text (Glenmere)

@pytest.fixture(scope="module")
def glenmere():
    doc = load_document(GLENMERE_TXT, GLENMERE_TXT.name)
    return doc, chunk_document(doc)


def test_plain_text_headings_and_list_context(glenmere):
    doc, clauses = glenmere
    clause = find(clauses, "Staff must never add pupils")
    assert clause.section == (CODE_OF_CONDUCT,)
    assert clause.context == "The following are **not considered acceptable**:"
    assert clause.kind == "item"
    assert clause.text == "Staff must never add pupils as friends into their personal accounts."
    assert find(clauses, "strongly advised not to become").section == ("Communication",)
    assert find(clauses, "Any breaches of this policy will be fully").section == (
        "Potential and Actual Breaches of the Code of Conduct",)


def test_plain_text_items_under_second_lead_in(glenmere):
    _, clauses = glenmere
    clause = find(clauses, "Do not give their personal contact details")
    assert clause.context == "In addition to the above everyone at our school must ensure that they:"
    assert clause.section == (CODE_OF_CONDUCT,)


def test_plain_text_tab_rows_are_rows(glenmere):
    _, clauses = glenmere
    row = find(clauses, "SOCIAL MEDIA POLICY\tJune 2023")
    assert row.kind == "row"


def test_a_cover_sheets_review_lines_are_metadata_not_clauses(glenmere):
    """"Date of Last Review  June 2023 / Next Review Due  June 2024" is what the policy says of itself:
    answered and quoted from its metadata, never cited for a question about social media."""
    _, clauses = glenmere
    assert not [c for c in clauses if "Review" in c.text and "June 202" in c.text]


def test_passage_carries_place_and_lead_in(glenmere):
    _, clauses = glenmere
    text = passage(find(clauses, "Staff must never add pupils"))
    assert text.startswith("Glenmere Social Media Policy 2023-24 › Code of Conduct")
    assert "not considered acceptable" in text and "**" not in text


# ---------------------------------------------------------------- lists

LISTS = """# Leave Policy

## Requests

Before booking leave you must:

- check the team calendar
- ask your manager
  1. by email
  2. at least two weeks ahead
     - longer for August
- record it in the system

A paragraph after the list.

- an item with no lead-in
"""


def test_list_items_take_the_lead_in_as_context():
    clauses = clauses_of(LISTS)
    lead = "Before booking leave you must:"
    assert find(clauses, "check the team calendar").context == lead
    assert find(clauses, "check the team calendar").kind == "item"
    assert find(clauses, "record it in the system").context == lead


def test_nested_list_items_take_their_parent_item_as_context():
    clauses = clauses_of(LISTS)
    assert find(clauses, "by email").context == "ask your manager"
    assert find(clauses, "two weeks ahead").context == "ask your manager"
    assert find(clauses, "longer for August").context == "at least two weeks ahead"
    assert find(clauses, "by email").text == "by email"  # the marker "1." is not part of the clause


def test_markers_of_lists_opened_on_one_line_are_not_the_item_s_words():
    """Converters from Word write a nested list's first item with all its markers on one line: "* + - Emails …".
    The item is its words, so no quote shows "+ -" or "•" before them."""
    from assistant.quoting import shown

    text = ("2. Email Protocols. All emails containing PHI shall be encrypted. Personnel will comply with these:\n\n"
            "   * + - Emails will be reviewed to ensure that they are addressed to the correct recipient.\n"
            "       - Sender's full contact information will be included on the email.\n\n"
            "- • Don't keep records longer than required.\n")
    clauses = clauses_of(text)
    reviewed = find(clauses, "Emails will be reviewed")
    assert reviewed.text.startswith("Emails will be reviewed") and reviewed.kind == "item"
    assert find(clauses, "keep records").text == "Don't keep records longer than required."
    doc = doc_of(text)
    assert shown(doc.text, reviewed.start, reviewed.end).text.startswith("Emails")


def test_list_after_a_long_paragraph_still_has_its_last_sentence_as_context():
    text = "# T\n\n" + "Filler words here. " * 30 + "The following apply:\n\n- rule one\n"
    clauses = clauses_of(text, title="T")
    assert find(clauses, "rule one").context == "The following apply:"


def test_item_continuation_lines_belong_to_the_item():
    clauses = clauses_of("# T\n\nRules:\n\n- first rule that\n  wraps onto a second line\n- second rule\n", title="T")
    assert find(clauses, "first rule").text == "first rule that\n  wraps onto a second line"


# ---------------------------------------------------------------- tables

def test_table_rows_have_the_header_as_context():
    text = "# T\n\n## Allowance\n\n| Grade | Days |\n|---|---|\n| A | 25 |\n| B | 30 |\n\nAfter the table.\n"
    clauses = clauses_of(text, title="T")
    rows = [c for c in clauses if c.kind == "row"]
    assert [r.text for r in rows] == ["| A | 25 |", "| B | 30 |"]
    assert all(r.context == "| Grade | Days |" and r.section == ("Allowance",) for r in rows)
    assert not any("---" in c.text for c in clauses)
    assert find(clauses, "After the table").context is None


def test_a_second_table_gets_its_own_header():
    text = "# T\n\n| A | B |\n|--|--|\n| 1 | 2 |\n\nBetween.\n\n| C | D |\n|--|--|\n| 3 | 4 |\n"
    clauses = clauses_of(text, title="T")
    assert find(clauses, "| 3 | 4 |").context == "| C | D |"


# ---------------------------------------------------------------- long paragraphs

def test_long_paragraph_split_at_sentence_boundaries():
    sentences = [f"Rule {i} says that staff must keep record number {i} safe at all times." for i in range(20)]
    paragraph = " ".join(sentences)
    clauses = clauses_of(f"# T\n\n## S\n\n{paragraph}\n", title="T")
    assert len(clauses) > 1
    assert " ".join(c.text for c in clauses) == paragraph  # nothing lost, nothing repeated
    for clause in clauses:
        assert len(clause.text.split()) <= MAX_CLAUSE_WORDS
        assert clause.text.startswith("Rule ") and clause.text.endswith("times.")  # never a blind window
        assert clause.section == ("S",)


def test_a_single_sentence_longer_than_the_limit_is_cut_between_words():
    long_sentence = "Staff " + "really " * 80 + "must sign in."
    clauses = clauses_of(f"# T\n\n{long_sentence} Short one. Another short one.\n", title="T")
    assert [len(c.text.split()) for c in clauses] == [MAX_CLAUSE_WORDS, 84 - MAX_CLAUSE_WORDS, 5]
    assert " ".join(c.text for c in clauses[:2]) == long_sentence  # nothing lost, nothing repeated
    assert clauses[2].text == "Short one. Another short one."


def test_a_long_sentence_is_cut_after_a_phrase_where_it_can_be():
    phrases = ", ".join(f"item {i} of the kit" for i in range(20))
    clauses = clauses_of(f"# T\n\nStaff must return {phrases}.\n", title="T")
    assert len(clauses) == 2
    assert clauses[0].text.endswith(",") and len(clauses[0].text.split()) <= MAX_CLAUSE_WORDS


def test_a_huge_line_without_sentence_ends_becomes_many_small_clauses():
    words = 200_000
    line = " ".join(f"w{i % 997}" for i in range(words))
    clauses = clauses_of(f"{line}\n", title="T")
    assert len(clauses) == -(-words // MAX_CLAUSE_WORDS)
    assert all(len(c.text.split()) <= MAX_CLAUSE_WORDS for c in clauses)


def test_every_clause_of_a_real_corpus_respects_the_word_limit():
    doc = load_document(GLENMERE_TXT, GLENMERE_TXT.name)
    for clause in chunk_document(doc):
        assert len(clause.text.split()) <= MAX_CLAUSE_WORDS, clause.text


@pytest.mark.parametrize("text, expected", [
    ("Bring ID, e.g. Your passport. Then sign in.", ["Bring ID, e.g. Your passport.", "Then sign in."]),
    ("Use a work device, i.e. A laptop. Never a phone.", ["Use a work device, i.e. A laptop.", "Never a phone."]),
    ("Ask Mr. Smith. He decides.", ["Ask Mr. Smith.", "He decides."]),
    ("See J. Bloggs first. Then wait.", ["See J. Bloggs first.", "Then wait."]),
    ("It is banned! Really? Yes.", ["It is banned!", "Really?", "Yes."]),
    ("Claim within 30 days. 20 days is best.", ["Claim within 30 days.", "20 days is best."]),
    ("He said \"stop.\" Then left.", ["He said \"stop.\"", "Then left."]),
    ("Ask for help. Use the laptop. Then stop. Done.", ["Ask for help.", "Use the laptop.", "Then stop.", "Done."]),
    ("(Sign in first.) Then enter.", ["(Sign in first.)", "Then enter."]),
    ("Costs approx. 10 pounds etc. And more.", ["Costs approx. 10 pounds etc. And more."]),
    # a short title-case abbreviation before a number ("Rs. 2,500", "Ch. 6") ends no sentence; capitals do
    ("Gifts over Rs. 2,500 should be declared. Smaller ones need not be.",
     ["Gifts over Rs. 2,500 should be declared.", "Smaller ones need not be."]),
    ("See Ch. 6 of the guide. It says more.", ["See Ch. 6 of the guide.", "It says more."]),
    ("Slack is used across TTS. 18F uses it too.", ["Slack is used across TTS.", "18F uses it too."]),
])
def test_sentence_spans(text, expected):
    assert [text[s:e] for s, e in sentence_spans(text, 0, len(text))] == expected


def test_abbreviations_do_not_split_long_paragraphs():
    sentence = "Staff may claim for travel, e.g. Taxis when no bus runs, i.e. After 11pm on weekdays only."
    paragraph = " ".join([sentence] * 8)
    clauses = clauses_of(f"# T\n\n{paragraph}\n", title="T")
    assert all(c.text.startswith("Staff may claim") and c.text.endswith("only.") for c in clauses)


# ---------------------------------------------------------------- noise

def test_code_fences_liquid_tags_comments_and_rules_are_skipped():
    text = """# T

{% include toc.html %}
{% if site.show %}

Staff must sign the register.

```
rm -rf / must not be quoted
```

~~~yaml
key: value
~~~

<!-- a comment -->

---

* * *

![diagram](img.png)

[ref]: https://example.com

{% endif %}

Visitors must wear badges.
"""
    clauses = clauses_of(text, title="T")
    assert [c.text for c in clauses] == ["Staff must sign the register.", "Visitors must wear badges."]


def test_every_clause_has_words():
    doc = load_document(GLENMERE_TXT, GLENMERE_TXT.name)
    assert all(re.search(r"\w", c.text) for c in chunk_document(doc))


def test_clause_ids_are_stable_and_unique():
    first = chunk_document(doc_of(MARKDOWN))
    second = chunk_document(doc_of(MARKDOWN))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_empty_and_heading_only_documents_have_no_clauses():
    assert chunk_document(doc_of("")) == []
    assert chunk_document(doc_of("# Only a title\n\n## And a section\n")) == []


def test_list_lead_in_is_context_not_an_answer(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("# Policy\n\n## Conduct\n\nStaff must be polite. The following are not acceptable:\n\n"
                    "- Shouting at pupils.\n- Smoking on site.\n\nThe following apply:\n\n- Breaches are investigated.\n",
                    encoding="utf-8")
    clauses = chunk_document(load_document(path))
    kinds = {" ".join(c.text.split()): c.kind for c in clauses}
    assert kinds["The following apply:"] == "lead-in"
    # a lead-in sharing its clause with another sentence stays an ordinary, answerable clause
    assert kinds["Staff must be polite. The following are not acceptable:"] == "sentence"
    assert all(c.context == "The following apply:" for c in clauses if c.text.startswith("Breaches"))


def test_a_lead_in_saying_something_of_its_own_may_answer_and_is_still_context():
    lead = ("If you are unhappy with any part of your employment, raise it immediately (or within 14 days of the "
            "occasion of the grievance) with the company as follows:")
    clauses = clauses_of(f"## Grievances\n\n{lead}\n\n- Discuss it with your line manager.\n- Then write to the director.\n")
    assert find(clauses, "within 14 days").kind == "sentence"
    assert find(clauses, "Discuss it").context == lead


def test_lead_ins_are_never_cited(engine):
    answer = engine.ask("What is not considered acceptable for staff on social networking?")
    lookups = engine.lookup("the following will apply", k=10)
    for citation in [*answer.citations, *answer.related, *lookups]:
        assert not citation.quote.rstrip().endswith(":"), citation.quote


def test_a_spacer_line_is_no_clause_and_no_lead_in():
    text = "# P\n\n## Laptops\n\n&nbsp;\n\n- Take it abroad only with approval.\n- Lock it.\n"
    clauses = chunk_document(PolicyDocument(source="p.md", title="P", text=text, format="markdown"))
    assert [(c.text, c.context) for c in clauses] == [("Take it abroad only with approval.", None), ("Lock it.", None)]


def test_restructuredtext_sections_lists_and_directives():
    """A policy written in reStructuredText: overlined title, sections underlined with any adornment (levels
    in the order met), auto-numbered '#.' items, directives and substitution definitions never quoted."""
    doc = load_document(Path(__file__).parent / "fixtures" / "lone-working.rst", "lone-working.rst")
    assert doc.title == "Lone working policy"
    clauses = chunk_document(doc)
    assert not any(".." in c.text[:3] or "::" in c.text or "^^^" in c.text or "===" in c.text for c in clauses)
    record = find(clauses, "Record the visit")
    assert record.kind == "item" and record.section == ("Procedures", "Before working alone")
    assert find(clauses, "calls the lone worker").section == ("Procedures", "If a lone worker does not check in")
    assert find(clauses, "avoid working alone").kind == "sentence"  # a line opening with a substitution is no table row
    assert find(clauses, "carry a charged").context == "Staff who must work alone should:"


def _written(path: Path, text: str):
    """A policy file written as given, loaded, and its clauses."""
    path.write_text(text, encoding="utf-8")
    doc = load_document(path)
    return doc, chunk_document(doc)


def test_restructuredtext_comments_targets_and_roles_never_show(tmp_path):
    """Sphinx sources: a comment and its indented lines, a link target, a table of contents and its entries are
    never clauses; the first adorned heading titles the document whatever its character; roles and links show
    their words alone."""
    doc, clauses = _written(tmp_path / "conduct.rst",
        "..\n   THIS DOCUMENT IS OWNED BY THE STEERING COMMITTEE. ALL CHANGES MUST BE APPROVED!\n\n"
        ".. _code_of_conduct:\n\n*************************\nCommunity Code of Conduct\n*************************\n\n"
        ".. contents:: Topics\n\nEvery community can be strengthened by diverse viewpoints.\n\n"
        "Anti-harassment policy\n======================\n\n"
        "Harassment includes offensive comments. See :ref:`the reporting guide<reporting_guide>` and\n"
        "`the forum <https://forum.example.org>`_ for ``#help``.\n\n"
        ".. toctree::\n   :maxdepth: 2\n\n   reporting\n   enforcement\n\n"
        ".. note::\n\n   Reports are read within a day.\n")
    assert doc.title == "Community Code of Conduct"
    assert [c.text.split()[0] for c in clauses] == ["Every", "Harassment", "Reports"]
    harassment = find(clauses, "Harassment includes")
    assert harassment.section == ("Anti-harassment policy",)
    assert shown(doc.text, harassment.start, harassment.end).text == \
        "Harassment includes offensive comments. See the reporting guide and the forum for #help."


ADOC = """= Travel Grant Program
:toc: preamble
ifdef::env-github[]
:tip-caption: :bulb:
endif::[]

.Metadata
[cols="1h,1"]
|===
| Sponsor
| link:https://github.com/tracymiranda[Tracy Miranda]
|===

== Specification

// TODO: say who approves
=== Eligibility

All community members are eligible for travel grants.
Each member may only receive one grant per year.

[NOTE]
====
Grants are offered to individual members, not companies.
====

=== Application

Requests for 500 USD or less only need to include:

* Your name
* A summary of recent contributions, such as:
** Plugins to which you contributed
. Send it to the link:https://groups.example.org/dev[developers' list] two months before the event, or to the <<BDFL>>.

See <<special, Special Circumstances>> for larger grants.

----
curl -X POST https://example.org/apply
----
"""


@pytest.mark.parametrize("name", ["travel-grants.adoc", "travel-grants.adoc.txt"])
def test_asciidoc_sections_lists_and_markup(tmp_path, name):
    """A policy written in AsciiDoc, as .adoc or saved as text: "= Title" titles it, "== Name" opens its sections;
    attribute entries, conditionals, block attributes, captions, comments, delimiters and listings never show; a
    link shows its text; "**" and "." items are list items."""
    doc, clauses = _written(tmp_path / name, ADOC)
    assert doc.title == "Travel Grant Program"
    texts = [shown(doc.text, c.start, c.end).text for c in clauses]
    assert not any(t.startswith((":", "[", ".", "|", "//", "=", "-")) or "ifdef" in t or "curl" in t or "link:" in t
                   for t in texts), texts
    assert "Tracy Miranda" in texts
    eligible = find(clauses, "eligible for travel grants")
    assert eligible.section == ("Specification", "Eligibility") and eligible.kind == "sentence"
    assert find(clauses, "not companies").section == ("Specification", "Eligibility")
    plugins = find(clauses, "Plugins to which")
    assert plugins.kind == "item" and plugins.section == ("Specification", "Application")
    send = find(clauses, "Send it to")
    assert send.kind == "item"
    assert shown(doc.text, send.start, send.end).text == \
        "Send it to the developers' list two months before the event, or to the BDFL."
    see = find(clauses, "for larger grants")
    assert shown(doc.text, see.start, see.end).text == "See Special Circumstances for larger grants."


LEGACY_ADOC = """Reviewing Patches in the Project
===============================

Introduction
------------
None of the recommendations here are binding.

Selecting patches to review
~~~~~~~~~~~~~~~~~~~~~~~~~~~
There is no requirement to review these patches, but you should strongly consider doing so.

==== High-level guidance
- Remember to review the commit message.

==== Tips
- Reply inline.

Example:
----
git log --oneline
----
"""


@pytest.mark.parametrize("name", ["ReviewingGuidelines.adoc", "ReviewingGuidelines"])
def test_asciidoc_two_line_titles_open_sections(tmp_path, name):
    """AsciiDoc's older section titles, underlined with a line of one mark as long as the title ("-" a section, "~"
    one level down), open sections; a "----" after a line of another length still opens a listing, never shown. A file
    with no extension is read when it is written as a document."""
    doc, clauses = _written(tmp_path / name, LEGACY_ADOC)
    assert doc.title == "Reviewing Patches in the Project"
    assert find(clauses, "None of the recommendations").section == ("Introduction",)
    assert find(clauses, "no requirement to review").section == ("Introduction", "Selecting patches to review")
    assert find(clauses, "review the commit message").section[-1] == "High-level guidance"
    assert not any("git log" in c.text or set(c.text) <= set("=-~") for c in clauses)


def test_a_file_without_an_extension_is_read_only_as_a_document(tmp_path):
    """A LICENSE or a Makefile in the policy folder is no policy: skipped, and said so by name."""
    (tmp_path / "SubmittingPatches").write_text(LEGACY_ADOC, "utf-8")
    (tmp_path / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge, to any person.\n",
                                      "utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.source for d in corpus.documents] == ["SubmittingPatches"]
    assert corpus.problems == ["LICENSE: skipped: a file without an extension is read only when it is written as a "
                               "document, with headings (Markdown, AsciiDoc); name it .txt or .md to have it read"]


def test_myst_targets_fences_and_roles_never_show(tmp_path):
    """MyST Markdown (Jupyter Book, Sphinx): a "(label)=" target and the ":::{note}" lines around an admonition are
    no clauses, the admonition's words are; a role ("{term}`CS&S`") shows its words alone."""
    doc, clauses = _written(tmp_path / "reimburse.md",
        "(reimbursements)=\n# Reimbursements\n\nWe reimburse through our fiscal sponsor, {term}`CS&S`.\n\n"
        ":::{admonition} This must be written into your contract\nContractors list their expenses in the contract.\n:::\n\n"
        "See {ref}`the card rules <card-rules>` first.\n")
    assert doc.title == "Reimbursements"
    assert not any(c.text.startswith(("(", ":::")) or c.text.strip().endswith(":::") for c in clauses)
    assert [shown(doc.text, c.start, c.end).text for c in clauses] == [
        "We reimburse through our fiscal sponsor, CS&S.", "Contractors list their expenses in the contract.",
        "See the card rules first."]


def test_custom_container_lines_never_show(tmp_path):
    """A custom container (VuePress, Docusaurus, markdown-it: ":::warning" … ":::") is markup round its words."""
    doc, clauses = _written(tmp_path / "onboarding.md",
        "# Onboarding\n\n:::warning\n**Only** technical joiners need do this section.\n:::\n\n"
        "::: tip SEE ALSO\nThe culture page.\n:::\n\nEveryone reads the handbook.\n")
    assert [shown(doc.text, c.start, c.end).text for c in clauses] == [
        "Only technical joiners need do this section.", "The culture page.", "Everyone reads the handbook."]


def test_material_for_mkdocs_boxes_icons_and_cards(tmp_path):
    """Material for MkDocs: a box ("!!! tip \"Title\"", indented body) is headed by its title until its body ends;
    a title ending in a colon introduces the box's list; icons and attribute lists never show; a card's rule
    ("    ---") is no clause; a bold rule closing a box heads nothing after it."""
    doc, clauses = _written(tmp_path / "handover.md",
        "# :material-hand-wave: Shift Handover\n\n## :material-clock: Handover Times\n\n"
        "<div class=\"grid cards\" markdown>\n\n-   :material-weather-sunny:{ .lg .middle } **Morning**\n\n    ---\n\n"
        "    Day shift handover at 0700.\n\n</div>\n\n## Tips\n\n!!! tip \"Effective Handover\"\n"
        "    - **Be on time** - Handover starts promptly\n    - **Stay until complete** - Don't leave early\n\n"
        "Once handover is complete, tidy up.\n\n!!! danger \"Do NOT perform LP if:\"\n    - GCS 12 or less\n\n"
        "!!! danger \"Avulsed Teeth\"\n    - Reimplant a permanent tooth within 60 minutes\n\n"
        "    **DO NOT PLACE A BABY TOOTH BACK INTO A SOCKET**\n\n## Other information\n\nCall the unit.\n")
    assert doc.title == "Shift Handover"
    shown_of = {shown(doc.text, c.start, c.end).text: c for c in clauses}
    assert "---" not in shown_of and not any(":material" in t or "{" in t or "!!!" in t for t in shown_of)
    assert shown_of["Morning"].section == ("Handover Times",)
    assert find(clauses, "Stay until complete").section == ("Tips", "Effective Handover")
    assert find(clauses, "Once handover").section == ("Tips",)  # the box has ended
    lead_in = find(clauses, "Do NOT perform LP")
    assert (lead_in.kind, lead_in.text) == ("lead-in", "Do NOT perform LP if:")
    assert find(clauses, "GCS 12").context == "Do NOT perform LP if:"
    baby = find(clauses, "BABY TOOTH")
    assert baby.section == ("Tips", "Avulsed Teeth")
    assert find(clauses, "Call the unit").section == ("Other information",)


def test_a_tilde_fence_after_a_short_line_is_still_a_fence():
    text = "# Policy\n\nExample of the log line:\n~~~\nname, time\n~~~\n\nStaff sign in daily.\n"
    clauses = clauses_of(text)
    assert find(clauses, "Staff sign in daily").section == ()
    assert not any("name, time" in c.text for c in clauses)


def test_a_cover_pages_number_and_the_title_repeated_are_no_sections():
    """A policy printed with a cover ("Adelaide Quality Care" / "Policy 1" / "Communication Policy") and its
    title set again at the top of the next page: the policy's number heads nothing, the title names the
    document, and the sections are the policy's own."""
    text = ("# Example Care\n\n# Policy 1\n\n## Communication Policy\n\n### Document History\n\n"
            "Version 1 approved by the director.\n\n## Communication Policy\n\n### Media Communication\n\n"
            "Only the director may speak to the press.\n")
    clauses = clauses_of(text, title="Communication Policy", fmt="pdf")
    sections = {c.text: c.section for c in clauses}
    assert sections["Only the director may speak to the press."] == ("Media Communication",)
    assert sections["Version 1 approved by the director."] == ("Document History",)
    # a title-like heading under a section is still that section's
    nested = clauses_of("# Leave\n\n## Sickness\n\n### Leave Policy\n\nBook leave early.\n", title="Leave Policy")
    assert nested[0].section == ("Sickness", "Leave Policy")


def test_an_empty_field_label_or_a_templates_or_heads_nothing():
    """A bold "Last updated date:" left empty on a cover, or a template's "OR" between two versions of a
    clause, is no section of what follows."""
    text = ("**Sickness Policy**\n\n**Last updated date:**\n\nStaff must call their manager by 9am.\n\n"
            "**OR**\n\nStaff must text their manager by 9am.\n")
    sections = {c.text: c.section for c in clauses_of(text, title="Sickness Policy", fmt="docx")}
    assert sections == {"Staff must call their manager by 9am.": (), "Staff must text their manager by 9am.": ()}


def test_the_title_written_another_way_is_still_the_title():
    clauses = clauses_of("# Example Care\n\n## Working with Children Policy and Procedures\n\n### How to report\n\n"
                         "Call the line.\n", title="Working With Children Policy & Procedure", fmt="pdf")
    assert clauses[0].section == ("How to report",)


@pytest.mark.parametrize("line", [
    "The hours for waking night staff will be a 12-hour shift with a one-hour break",
    "Staff must not smoke anywhere on the premises at any time",
])
def test_a_short_line_stating_something_is_a_sentence_not_a_heading(line):
    # a Word paragraph that lost its full stop reads as a title by its length alone: it states a rule or a
    # fact, so it is a clause of the section above it
    text = f"**Working Hours**\n\n{line}\n\nNumber of nights agreed depends on the rota.\n"
    clauses = clauses_of(text, fmt="text")
    stated = find(clauses, line)
    assert stated.section == ("Working Hours",)
    assert find(clauses, "Number of nights").section == ("Working Hours",)


@pytest.mark.parametrize("line", ["What is a safeguarding concern", "Who this policy is for",
                                  "Reporting an accident at work"])
def test_plain_title_lines_still_head_their_text(line):
    clauses = clauses_of(f"{line}\n\nTell your manager the same day.\n", fmt="text")
    assert find(clauses, "Tell your manager").section == (line,)


def test_a_bold_title_over_the_first_heading_is_no_clause():
    # Word: the policy's name set in bold by hand, then its first section in a heading style
    clauses = clauses_of("**Performance Management Policy**\n\n# Purpose\n\nThe policy sets a framework.\n",
                         title="Performance Management Policy")
    assert [c.text for c in clauses] == ["The policy sets a framework."]
    assert clauses[0].section == ("Purpose",)


def test_a_bold_sentence_before_a_heading_stays_a_clause():
    clauses = clauses_of("**All staff must wear a badge at all times.**\n\n# Visitors\n\nVisitors sign in.\n")
    assert find(clauses, "must wear a badge").section == ()


def test_a_heading_over_nothing_that_states_something_is_a_clause_of_the_section_above():
    # Word heading styles used for statements: "Designated … Officer is: …" heads no text of its own
    text = ("## Safety\n\n### Designated Health and Safety Officer is: Sylwia Ferreday\n\n"
            "### Doors and windows are secured until further instruction is received.\n\n"
            "### Aim\n\nOur setting is a safe place.\n")
    clauses = clauses_of(text, title="Health and Safety Policy")
    officer = find(clauses, "Designated Health and Safety Officer")
    assert officer.text == "Designated Health and Safety Officer is: Sylwia Ferreday"
    assert officer.section == ("Safety",)
    assert find(clauses, "Doors and windows").text == "Doors and windows are secured until further instruction is received."
    assert find(clauses, "Our setting").section == ("Safety", "Aim")
    # a heading over sub-sections, or a plain name over nothing, is still a heading
    clauses = clauses_of("# Rules\n\n## Staff are responsible for\n\n### Keys\n\nLock up.\n\n## Appendix A\n")
    assert [c.text for c in clauses] == ["Lock up."]


def test_lower_case_roman_numerals_mark_list_items():
    text = ("## Meetings\n\nThe minutes record:\n\ni. the time and place;\nii. the names of those present;\n"
            "iii. the resolutions made.\n")
    clauses = clauses_of(text, fmt="text")
    items = [c for c in clauses if c.kind == "item"]
    assert [c.text for c in items] == ["the time and place;", "the names of those present;", "the resolutions made."]
    assert all(c.context == "The minutes record:" for c in items)


def test_a_line_in_capitals_heads_its_text_where_larger_headings_are_marked():
    # a PDF's larger headings come marked by size; its headings in capitals at the body's size do not
    text = ("## 3 - REMUNERATION\n\nPAY CYCLE\n\nThe pay week runs from Tuesday to Monday.\n\n"
            "DO NOT SHARE PASSWORDS\n\nIT will never ask for one.\n")
    clauses = clauses_of(text, fmt="pdf")
    assert find(clauses, "The pay week").section == ("3 - REMUNERATION", "PAY CYCLE")
    # a rule set in capitals stays a clause
    assert find(clauses, "DO NOT SHARE").section == ("3 - REMUNERATION", "PAY CYCLE")


@pytest.mark.parametrize("wiki, markdown", [
    # DokuWiki: the page title has the most "="
    ("====== Code of Conduct ======\n\nBe kind.\n\n===== Reporting =====\n\nEmail the team.\n\n==== By phone ====\n\n"
     "Call us.\n\n===== Appeals =====\n\nWrite in.",
     "# Code of Conduct\n\nBe kind.\n\n## Reporting\n\nEmail the team.\n\n### By phone\n\nCall us.\n\n## Appeals\n\nWrite in."),
    # MediaWiki: the top level has the fewest
    ("== Leave ==\nTake it.\n=== Sick leave ===\nCall in by 9am.\n== Pay ==\nMonthly.",
     "# Leave\nTake it.\n## Sick leave\nCall in by 9am.\n# Pay\nMonthly."),
])
def test_a_wiki_page_is_sectioned_as_the_same_page_in_markdown(wiki, markdown):
    sections = {c.text: c.section for c in chunk_document(PolicyDocument(source="p.txt", title="P", text=wiki, format="text"))}
    assert sections == {c.text: c.section for c in chunk_document(doc_of(markdown))}
    assert len(set(sections.values())) >= 3  # the headings made sections


def test_a_list_marker_set_off_by_a_tab_marks_an_item_not_a_table_row(tmp_path):
    """CommonMark lets a tab follow a list's marker ("*\tGym shoes …"), and Word's lists save so as text
    ("1.\tBusiness first"): each line is a list item, read and quoted as one, not a table row of two cells."""
    (tmp_path / "gym.md").write_text(
        "# Fitness Center\n\n## Dress Code\n\n*\tGym shoes must be clean, dry, and worn the entire time.\n"
        "*\tAbsolutely NO bare feet or sandals are permitted.\n\n1.\tBusiness first\n2.\tLawful use\n\n"
        "Item\tLimit\nHotel\t£120 per night\n", encoding="utf-8")
    clauses = chunk_document(load_corpus(tmp_path).documents[0])
    kinds = {c.text: c.kind for c in clauses}
    assert kinds["Gym shoes must be clean, dry, and worn the entire time."] == "item"
    assert kinds["Absolutely NO bare feet or sandals are permitted."] == "item"
    assert kinds["Business first"] == "item"
    assert [c.kind for c in clauses if "Hotel" in c.text] == ["row"]  # a table's row written with tabs stays one
