"""Quote assembly: markup hidden, pieces mapped to source offsets, the same words quoted once, and a
sentence that points back quoted with the sentence it points to."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.language import is_english
from assistant.loaders import load_document
from assistant.models import PolicyDocument
from assistant.quoting import Quoter, header_cells, points_back, shown
from assistant.review import about_policy
from test_verbatim import rendered

MARKUP = Path(__file__).resolve().parent / "fixtures" / "markup"


def _doc(text: str) -> PolicyDocument:
    return PolicyDocument(source="p.md", title="P", text=text, format="markdown")


def _quotes(doc: PolicyDocument, fragments: list[str], question: str = "") -> list[tuple[str, list[str]]]:
    """What the clauses holding these fragments quote, in this order: (quote, its other places)."""
    clauses = chunk_document(doc)
    ranked = [next((i, c) for i, c in enumerate(clauses) if f in c.text) for f in fragments]
    quoter = Quoter({doc.source: doc}, clauses)
    return [(shown(doc.text, p.start, p.end).text, [" › ".join(c.section) for c in p.also])
            for _, p in quoter.passages(ranked, question)]


@pytest.mark.parametrize("source, expected", [
    ("Get [11 local holidays](https://x.org/h \"t\") a year.", "Get 11 local holidays a year."),
    ("See the [guide]({% page \"a/b\"\n%}) first.", "See the guide first."),
    ("Get one [here](http://x.org/card.pdf ) . Then [Accounts]( https://x.org/a )list.", "Get one here . Then Accountslist."),
    ("![logo](logo.png) Staff **must** sign in.", "Staff must sign in."),
    ("Ask <abbr title=\"x\">HR</abbr> via <hr@example.org>.", "Ask HR via hr@example.org."),
    ("Visit <https://example.org/> today.", "Visit <https://example.org/> today."),
    ("Report it.<br>\nEven later.", "Report it. Even later."),
    ("| Technical | Your writing is excellent. |", "Technical\nYour writing is excellent."),
    ("Leave:\n- one day\n- two `days`", "Leave:\n- one day\n- two days"),
    # a `*` between spaces is a list marker or a sign, not emphasis: items stay apart, sums stay whole
    ("Rules:\n* return laptops\n* keep the *charger*", "Rules:\n* return laptops\n* keep the charger"),
    ("Formula: SEK 417 * the months left.", "Formula: SEK 417 * the months left."),
    # a character escaped with a backslash is shown as itself
    ("_\\*Snapshot from 2020._ Costs 5 \\* 3 and \\_draft\\_ notes.", "*Snapshot from 2020. Costs 5 * 3 and _draft_ notes."),
    ("EI pays 0.55(4377.58) \\= $2,407.67 \\& the rest \\~ later\\?", "EI pays 0.55(4377.58) = $2,407.67 & the rest ~ later?"),
    # a template expression holding braces of its own (MyST / Sphinx substitutions) is hidden whole
    ("Email {{'[{}](mailto:{})'.format(training_email, training_email)}} for an extension.", "Email for an extension."),
    # a "<…>" that is no HTML element is the policy's own placeholder: quoted, never dropped mid-quote
    ("Email <insert email address here> within <b>24</b> hours.", "Email <insert email address here> within 24 hours."),
    # an MDX / JSX component is markup round its words; a capitalised placeholder is still the policy's own
    ('If you want more, <PrivateLink url="https://github.com/x/merch.md">here\'s how</PrivateLink>!',
     "If you want more, here's how!"),
    ("<HubSpotForm />\nSend it to <Company Name>.", "Send it to <Company Name>."),
    # Material for MkDocs: an icon and an attribute list are markup; a box's marker line shows its title only
    (":material-clock:{ .lg .middle } **Handover** at 0700 [Open :octicons-arrow-right-24:](/a.pdf){:target=\"_blank\"}",
     "Handover at 0700 Open"),
    ('!!! danger "Do NOT perform LP if:"\n    - GCS 12 or less', "Do NOT perform LP if:\n- GCS 12 or less"),
    # wiki text (DokuWiki, MediaWiki): a link shows its text (or its target), emphasis marks and heading marks go;
    # a link's "|" is no table cell's, and "https://" no emphasis
    ("See [[release_taxonomy|semver]] and [[code of conduct]] or email [[mailto:a@b.org|the team]].",
     "See semver and code of conduct or email the team."),
    ("A //Deprecated// project is kept at https://x.org/a//b for ''six'' months, \'\'\'then\'\'\' removed.",
     "A Deprecated project is kept at https://x.org/a//b for six months, then removed."),
    ("===== End of Life =====\nA project no longer maintained.", "End of Life A project no longer maintained."),
    # a character reference shows the character it names, as Markdown renders it; a space's is a space
    ("In this policy, **&quot;third party&quot;** means you &amp; [Culture &amp; Engagement](https://x.org/&amp;).",
     'In this policy, "third party" means you & Culture & Engagement.'),
    ("Spread the cost over 2-3 years.&#x20;\n* Go to the gym at&nbsp;off-peak times&#x20;\n* Don&#39;t wait",
     "Spread the cost over 2-3 years.\n* Go to the gym at off-peak times\n* Don't wait"),
    ("Names no character: &notaname; &notit; R&D; AT&T;", "Names no character: &notaname; &notit; R&D; AT&T;"),
])
def test_markup_is_hidden_and_every_piece_maps_to_its_source(source, expected):
    quote = shown(source, 0, len(source))
    assert quote.text == expected
    assert rendered("".join(source[a:b] for a, b in quote.spans)).replace(" ", "").replace("\n", "") == \
        expected.replace(" ", "").replace("\n", "")


def test_a_zero_width_space_never_stands_in_a_quote():
    """Pages pasted from a web editor carry zero-width spaces ("- \u200bWear or display …", "allotted \u200btwo\u200b
    free lockouts"): nobody sees them, and a quote shows none."""
    text = "- \u200bWear or display partisan buttons.\nYou are allotted \u200btwo\u200b free lockouts."
    quote = shown(text, 2, len(text))
    assert quote.text == "Wear or display partisan buttons. You are allotted two free lockouts."
    assert "\u200b" not in "".join(text[a:b] for a, b in quote.spans)  # every piece shown is the source's own, no more
    text = "A live DJ or guest should NEVER swear on\u00adair."  # a soft hyphen shows only where a line breaks
    assert shown(text, 0, len(text)).text == "A live DJ or guest should NEVER swear onair."


def test_a_link_whose_address_ends_its_line_shows_its_text():
    """CommonMark allows a line ending between a link's address and its closing bracket."""
    text = "All homework must be submitted to [Gradescope](https://www.gradescope.com/courses/350304 \n) by 11:59 pm."
    assert shown(text, 0, len(text)).text == "All homework must be submitted to Gradescope by 11:59 pm."


def test_a_link_cut_by_the_span_edge_shows_no_markup():
    text = "Intro. Read the [long\nguide](https://x.org) now."
    start = text.index("guide")
    assert shown(text, start, len(text)).text == "guide now."


def test_front_matter_is_read_and_never_quoted():
    doc = load_document(MARKUP / "staff-handbook.md")
    assert doc.title == "Staff Handbook" and doc.owner == "the People Team"
    assert doc.last_reviewed == "January 2025" and doc.review_due_label == "December 2025"
    assert "+++" not in doc.text and not any("People Team" in c.text for c in chunk_document(doc))
    raw = (MARKUP / "staff-handbook.md").read_text("utf-8")
    assert raw[doc.offset:] == doc.text  # offsets in the text are offsets in the file, less the front matter


def test_a_table_row_is_quoted_as_its_cells_with_the_headers_as_context():
    doc = load_document(MARKUP / "staff-handbook.md")
    row = next(c for c in chunk_document(doc) if "Your writing" in c.text)
    assert row.kind == "row" and row.context is not None
    assert header_cells(row.context) == ["Area", "What good feedback sounds like"]
    assert shown(doc.text, row.start, row.end).text == "Technical\nYour writing is excellent."


@pytest.mark.parametrize("text", [
    "## Prices\n\nAll items are sold by the office.\n\n| Item | Where | Price |\n|---|---|---|\n"
    "| Navy Blue Blazer | School Office | £30 |\n| Kufi | School Office | £5 |\n",
    # as PDF and text files give a table: cells a tab apart
    "## Prices\n\nAll items are sold by the office.\n\nItem\tWhere\tPrice\n"
    "Navy Blue Blazer\tSchool Office\t£30\nKufi \t School Office\t\t£5\n",
])
def test_rows_quoted_together_stay_apart_each_cell_a_line(text):
    """Two rows in one quote never read as one ("£30 Kufi"): a blank line stands between rows, and
    between a row and the prose before it; the cells of a row are one a line."""
    doc = _doc(text)
    start = text.index("All items")
    quote = shown(text, start, len(text)).text
    assert quote.endswith("Navy Blue Blazer\nSchool Office\n£30\n\nKufi\nSchool Office\n£5")
    assert quote.startswith("All items are sold by the office.\n\n")
    kufi = next(c for c in chunk_document(doc) if "Kufi" in c.text)
    assert kufi.kind == "row" and shown(text, kufi.start, kufi.end).text == "Kufi\nSchool Office\n£5"


def test_a_line_indented_with_a_tab_is_no_row():
    text = "Staff may leave early\n\tonly with the head's agreement."
    assert shown(text, 0, len(text)).text == "Staff may leave early only with the head's agreement."


def test_the_same_sentence_in_two_sections_is_quoted_once_with_both_places():
    doc = load_document(MARKUP / "staff-handbook.md", "staff-handbook.md")
    clauses = chunk_document(doc)
    laptops = [(i, c) for i, c in enumerate(clauses) if c.text.startswith("Lost or stolen laptops")]
    holidays = [(i, c) for i, c in enumerate(clauses) if "11 local holidays" in c.text]
    assert [c.section for _, c in laptops] == [("Equipment",), ("Security",)]
    passages = Quoter({doc.source: doc}, clauses).passages(laptops + holidays, "")
    assert len(passages) == 2  # the laptop sentence once, then the holidays
    assert [c.section for c in passages[0][1].also] == [("Security",)]


def test_a_sentence_pointing_back_is_quoted_with_the_sentence_it_points_to():
    doc = load_document(MARKUP / "staff-handbook.md", "staff-handbook.md")
    [(quote, _)] = _quotes(doc, ["If that's the case"])
    assert quote.startswith("Staff may work from home up to two days a week")
    assert quote.endswith("between 10am and 4pm.")


def test_when_the_sentence_pointed_to_will_not_fit_the_words_asked_about_are_kept():
    # the clause opens by pointing back, and its pointed-to sentence is long: quoting both would leave out the
    # clause's next sentence, the one the question is about; that one, which points nowhere, is quoted alone
    first = ("However, if the owner of the account names an emergency contact, that contact has the power to ask "
             "for an emergency grant and reach the whole of the stored vault after a waiting period that the owner "
             "chooses when setting it up, which can be anything from one hour to thirty days, and the owner is told "
             "by email.")
    then = ("This must be done by the owner at their own discretion. If the master password is forgotten and no "
            "emergency contact was named, the best we can do is reset the account, and every stored password is lost.")
    doc = _doc(f"# Vault\n\n{first} {then}\n")
    [(quote, _)] = _quotes(doc, ["This must be done"], "what if I forget my master password? can it be recovered?")
    assert quote == then.split(". ", 1)[1]
    # asked about what the pointing sentence says, it is still quoted with the one it points to
    [(quote, _)] = _quotes(doc, ["This must be done"], "who has to set up the emergency grant?")
    assert quote.startswith("However, if the owner") and "This must be done" in quote


def test_no_words_are_quoted_twice_when_a_later_passage_grows_over_an_earlier_one():
    # the second sentence points back: quoted with the first, it would show the first sentence again
    text = ("# Leave\n\nAfter three years of service, employees accrue an additional day of leave each year. "
            "Such employees begin to accrue leave on the first day of the month.\n")
    quotes = _quotes(_doc(text), ["After three years", "Such employees"])
    assert [q for q, _ in quotes] == ["After three years of service, employees accrue an additional day of leave each "
                                      "year. Such employees begin to accrue leave on the first day of the month."]
    # too long to quote as one: the sentence pointing back is still quoted with the one it points to
    filler = " ".join(f"word{i}" for i in range(50))
    text = f"# Leave\n\nAfter three years of service {filler}. Such employees begin to accrue leave early.\n"
    quotes = _quotes(_doc(text), ["After three years", "Such employees"])
    assert [q for q, _ in quotes] == [f"After three years of service {filler}.",
                                      f"After three years of service {filler}. Such employees begin to accrue leave early."]


def test_pointing_back_only_when_the_words_refer_back():
    assert points_back("If that's the case, they must call.") and points_back("This means you must ask.")
    assert points_back("Such gifts must be declared.") and points_back("It must be returned.")
    assert points_back("**These** rules apply.")
    assert points_back("For example, applicants should not be asked about children.")  # the rule it illustrates
    assert not points_back("This policy applies to all staff.") and not points_back("It is important to ask.")
    assert not points_back("Thistles grow here.") and not points_back("Staff must sign in.")


def test_a_long_passage_cut_to_a_pointing_sentence_keeps_the_one_before():
    filler = " ".join(f"word{i}" for i in range(40))
    text = f"# P\n\nStaff may claim travel costs {filler}.\n\nThis includes taxis {filler}.\n"
    [(quote, _)] = _quotes(_doc(text), ["This includes taxis"])
    assert quote.startswith("Staff may claim travel costs") and "This includes taxis" in quote


@pytest.mark.parametrize("question", [
    "Can I accept a friend request from a parent?", "Do I get paid for jury duty?", "Photos on Facebook?",
    "Who do I tell if a pupil might be at risk?", "How many days of annual leave do part-time staff get?"])
def test_english_questions_are_english(question):
    assert is_english(question)


@pytest.mark.parametrize("question", [
    "Puis-je accepter une demande d'ami d'un parent sur Facebook ?",
    "¿Puedo aceptar una solicitud de amistad de un padre?",
    "Darf ich eine Freundschaftsanfrage von einem Elternteil annehmen?",
    "Posso accettare una richiesta di amicizia da un genitore?",
    "Mag ik een vriendschapsverzoek van een ouder accepteren?",
    "可以接受家长的好友请求吗？", "Можно ли добавить родителя в друзья?"])
def test_questions_in_other_languages_are_not_english(question):
    assert not is_english(question)


@pytest.mark.parametrize("question, about", [
    ("Is this policy still current?", True), ("Who owns it?", True), ("When was it last reviewed?", True),
    ("When is the staff handbook due for review?", True), ("Is the handbook up to date?", True),
    ("Who is responsible for data protection?", False), ("Can I accept a friend request from a parent?", False),
    ("Is it still valid to claim expenses after 30 days?", False), ("When should I review my objectives?", False),
])
def test_questions_about_the_policy_itself(question, about):
    assert about_policy(question, ["Staff Handbook"]) is about


def test_a_lead_in_already_in_the_quote_is_not_shown_again():
    from assistant.engine import lead_in

    intro = "Each employee will get **SEK 5000** per year:"
    assert lead_in(intro, "Each employee will get SEK 5000 per year:\n- If the employee joins in June…") is None
    assert lead_in(intro, "If the employee joins in June, SEK 2919.") == "Each employee will get SEK 5000 per year:"
    assert lead_in(None, "anything") is None


def test_a_line_of_links_is_never_glued_onto_a_neighbouring_clause():
    doc = _doc("# Systems\n\n## Billing\n\nWe only log in as a customer with their explicit permission.\n\n"
               "[billing.example.com 🔒](https://billing.example.com)\n")
    [(quote, _)] = _quotes(doc, ["We only log in", "billing.example.com"])[:1]
    assert quote == "We only log in as a customer with their explicit permission."
    assert _quotes(doc, ["billing.example.com"])[0][0] == "billing.example.com 🔒"  # found for itself, it is quoted


def test_the_rest_of_a_long_paragraph_is_known_to_the_quoter():
    words = " ".join(["word"] * 50)
    doc = _doc(f"# P\n\n## Computers\n\nYou can upgrade your computer at any time. {words}. "
               "Please get approval from Finance before purchasing a new computer.\n\n## Other\n\nUnrelated.\n")
    clauses = chunk_document(doc)
    first = next(c for c in clauses if c.text.startswith("You can upgrade"))
    rest = Quoter({doc.source: doc}, clauses).rest_of_paragraph(doc.source, first.start, first.end)
    assert [c.text for c in rest] == ["Please get approval from Finance before purchasing a new computer."]


def test_one_list_item_wrapped_over_lines_is_quoted_without_its_marker():
    """Only a quote of several items shows each one's marker; one item whose lines wrap (as a PDF's lines,
    or a Markdown file's, do) is quoted as its words."""
    from assistant.quoting import list_lines

    text = ("The following are not acceptable:\n\n- The use of the school's logo without written\n"
            "  prior permission from the Headteacher.\n- Posting images of pupils.\n")
    first = text.index("The use")
    end_first = text.index("Headteacher.") + len("Headteacher.")
    assert list_lines(text, first, end_first) == (first, end_first)
    assert shown(text, *list_lines(text, first, end_first)).text.startswith("The use of the school's logo")
    both = list_lines(text, first, len(text) - 1)
    assert both[0] == text.index("- The use")
    assert shown(text, *both).text.splitlines()[-1].startswith("- Posting")


def test_substitution_pipes_are_hidden_and_table_pipes_still_split_cells():
    text = "|The School| expects staff to tell |Lone Working Officer| first.\n\n| Item | Limit |\n|---|---|\n| Hotel | £120 |\n"
    assert shown(text, 0, text.index("first.") + 6).text == "The School expects staff to tell Lone Working Officer first."
    row = text.index("| Hotel")
    assert "|" not in shown(text, row, len(text) - 1).text and "Hotel" in shown(text, row, len(text) - 1).text
