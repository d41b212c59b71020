"""Answers: the JSON contract, verdicts read from the clause wording, abstention, scope and bad questions.

Ranking is being tuned, so ranking-dependent checks look for the gold clause among the citations
rather than insisting on first place.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.engine import PolicyEngine
from assistant.errors import QuestionError
from assistant.models import Answer, Verdict
from assistant.quoting import list_lines, shown
from assistant.render import answer_text
from assistant.text import fold
from assistant.verdict import (asks_for_ruling, asks_only_may, clause_verdict, rule_parts, rule_units, ruling_for,
                               verdict_line)

POLICY = "glenmere-social-media-policy-2023-24.md"
TITLE = "Social Media Policy 2023-24"


def _engine_on(engine: PolicyEngine, **updates) -> PolicyEngine:
    """The same index and model, other settings."""
    return PolicyEngine(engine.settings.model_copy(update=updates), engine.index, engine.retriever.embedder)


def _cites(answer: Answer, fragment: str, top: int = 3) -> bool:
    return any(fold(fragment) in fold(c.quote) for c in answer.citations[:top])


def test_answer_json_contract(engine):
    answer = engine.ask("Can I accept a friend request from a parent?")
    data = json.loads(answer.model_dump_json())
    assert data["question"] == "Can I accept a friend request from a parent?"
    assert data["answered"] is True
    assert data["verdict"] in {v.value for v in Verdict}
    assert isinstance(data["verdict_line"], str) and data["verdict_line"]
    assert 1 <= len(data["citations"]) <= engine.settings.max_citations
    for citation in data["citations"]:
        assert {"quote", "source", "document", "section", "score", "verdict", "clause_id"} <= set(citation)
        assert citation["source"] == POLICY
        assert citation["document"] == TITLE
        assert isinstance(citation["score"], float)
        assert citation["quote"] and len(citation["quote"].split()) <= 60
        assert citation["review_due"] == "June 2024"
    assert data["contact"] == "the Headteacher"
    assert data["scope"] is None
    assert isinstance(data["confidence"], float) and isinstance(data["latency_ms"], float)
    assert Answer.model_validate(data) == answer  # the JSON round-trips


def test_review_warning_after_the_due_date(engine):
    answer = engine.ask("Can I accept a friend request from a parent?")
    assert any("due for review in June 2024" in w for w in answer.warnings), answer.warnings
    assert any("the Headteacher" in w for w in answer.warnings)


def test_no_review_warning_before_the_due_date(engine):
    early = _engine_on(engine, today=date(2024, 5, 31))
    answer = early.ask("Can I accept a friend request from a parent?")
    assert answer.answered
    assert answer.warnings == []
    assert not any(d.overdue for d in early.documents())
    assert all(d.overdue for d in engine.documents())


@pytest.mark.parametrize("question, verdict, gold", [
    ("Can I accept a friend request from a parent?", Verdict.advised_against,
     "staff are strongly advised not to become 'friends' with parents"),
    ("Can I add a pupil as a friend?", Verdict.prohibited, "Staff must never add pupils as friends"),
    ("Can I use the school logo on my website?", Verdict.needs_permission,
     "without written prior permission from the Headteacher"),
])
def test_verdicts_for_glenmere_questions(engine, question, verdict, gold):
    answer = engine.ask(question)
    assert answer.answered
    assert _cites(answer, gold), [c.quote for c in answer.citations]
    gold_citation = next(c for c in answer.citations if fold(gold) in fold(c.quote))
    assert gold_citation.verdict is verdict
    # the answer states the ruling only when sure the first quote answers; otherwise it quotes without one
    sure = engine.calibration.ruling.passes(engine.evidence_for(question))
    stated = verdict if sure else Verdict.information
    assert answer.verdict is stated
    assert answer.verdict_line == verdict_line(stated, TITLE, True, "the Headteacher")


def test_a_ruling_needs_more_confidence_than_an_answer(engine):
    questions = ["Can I add a pupil as a friend?", "Can I share confidential school information online?",
                 "Can I use the school logo on my website?", "Can I message children from my class on WhatsApp?",
                 "Is it OK to complain about my headteacher on Facebook?", "Can I email a pupil if their parents agree?"]
    answers = [engine.ask(q) for q in questions]
    sure = {q: engine.calibration.ruling.passes(engine.evidence_for(q)) for q in questions}
    assert answers[0].verdict is Verdict.prohibited and sure[questions[0]]
    unsure = [a for a in answers if a.answered and not sure[a.question]]
    assert unsure, [(a.question, a.confidence) for a in answers]  # the gate is exercised
    for a in unsure:
        assert a.verdict is Verdict.information and a.verdict_line.startswith("Here is what")
        assert a.citations  # still quoted


@pytest.mark.parametrize("question, ruling", [
    ("Can I accept a friend request from a parent?", True),
    ("Am I allowed to post photos of pupils?", True),
    ("Is it OK to complain about my headteacher on Facebook?", True),
    ("Do I need permission to use the school logo?", True),
    ("do staff have to review their privacy settings", True),
    ("Should teachers give pupils their mobile number?", True),
    ("What is the school's Twitter handle?", False),
    ("Does the social networking code apply to volunteers?", False),
    ("When is this policy due for review?", False),
    ("Who wrote the guidance in this policy?", False),
    # a wh-question asks for facts even when it holds a rule word
    ("How many hours are we expected to work each week?", False),
    ("how far ahead do I need to put in a leave request?", False),
    ("what's the longest single workday I'm allowed to put in?", False),
    ("how do I book flights, is there a travel agency we're supposed to use?", False),
    ("Do we get our birthday off?", False),
    ("Could a breach of the policy lead to disciplinary action?", False),
    # the question after a preamble decides
    ("my laptop is acting weird. should I just shut it down?", True),
    ("I'll be out running errands, can I just dial in by phone?", True),
    ("Will abusive comments on the school's accounts be tolerated?", True),
    ("My dad is having surgery. What are my options?", False),
    # ... also after a dash or a colon, and a dot inside a word ends no sentence
    ("A core dev closed my issue and I disagree — can I just reopen it?", True),
    ("new TA here - do I have to join the union?", True),
    ("quick question: do I need approval for this?", True),
    ("now that I'm on the core team, am I allowed to get a python.org email address?", True),
    ("I want to send a PR bumping the copyright years in the file headers — ok?", True),
    ("nobody has looked at my PR — how long should I wait before pinging?", False),
    # a clause setting the scene ("when I ...") asks nothing; "when do I ...?" does
    ("ok when I squash-merge, can I just leave the default commit message?", True),
    ("when do I get paid, can I get an advance?", False),
    ("a reporter called me about the pastor search, am I ok to answer a few questions?", True),
    ("are we good to start the meeting without her?", True),
    # ... and so does a condition or a time set before the question without a comma, or a part after "but"
    ("when I'm discharging someone do I have to tell their nurse?", True),
    ("if I'm sick can I work from home?", True),
    ("if there's a data breach how long do we have to tell the ICO?", False),
    ("hey if I don't WFH at all this week can I do 4 days from home next week?", True),
    ("I'm not in marketing but can I put a post on the company's LinkedIn page?", True),
    # a thing asked about
    ("are normal blue jeans ok to wear in the office?", True),
    ("Are dogs allowed in the office?", True),
    ("Is overtime paid?", False),
    # what to expect is a matter of fact, not of what is allowed
    ("if I'm doing my job fine, should I expect to move up the pay band each year?", False),
    ("Should we anticipate a pay rise in April?", False),
])
def test_only_questions_about_what_is_allowed_get_a_ruling(question, ruling):
    assert asks_for_ruling(question) is ruling


def test_a_factual_question_gets_no_ruling_from_a_rule_that_happens_to_match(engine):
    answer = engine.ask("Does the social networking code apply to volunteers?")
    assert answer.answered and answer.verdict is Verdict.information
    assert answer.verdict_line == verdict_line(Verdict.information, TITLE, True, "the Headteacher")
    assert any(c.verdict is not Verdict.information for c in answer.citations)  # the clauses keep their own


def test_list_item_carries_its_lead_in(engine):
    answer = engine.ask("Can I add a pupil as a friend?")
    citation = next(c for c in answer.citations if "add pupils" in c.quote)
    assert citation.context == "The following are not considered acceptable:"  # emphasis marks dropped
    assert citation.section == "Code of Conduct for all members of staff at Glenmere Primary School – Social Networking"
    assert citation.where.startswith(f"{TITLE} › Code of Conduct")


@pytest.mark.parametrize("question, text, verdict", [
    # the part of the sentence about the thing asked governs, not the first rule word in it
    ("Can I question a decision made by my manager?",
     "Questioning a decision is acceptable, but personal attacks are not acceptable.", Verdict.permitted),
    ("Are personal attacks on colleagues ok?",
     "Questioning a decision is acceptable, but personal attacks are not acceptable.", Verdict.prohibited),
    ("Can I bring my dog to work?",
     "Staff may bring dogs to the office on Fridays. Cats must not be brought in.", Verdict.permitted),
    # two rules for one subject joined by ", and should …": each about its own thing
    ("Is it ok to have my personal letters sent to the warehouse?",
     "Employees should not have their personal mail sent to the Company, as it may be automatically opened, and should "
     "check with their manager before having larger items delivered to the workplace.", Verdict.prohibited),
    ("Can I get a big parcel delivered to work?",
     "Employees should not have their personal mail sent to the Company, as it may be automatically opened, and should "
     "check with their manager before having larger items delivered to the workplace.", Verdict.needs_permission),
    # equally matching parts with different rules: no ruling
    ("Can I use my phone or my laptop in meetings?",
     "You may use your laptop in meetings, but you must not use your phone in meetings.", Verdict.information),
    # nothing in the text is about the thing asked: no ruling
    ("Can I park in the car park?", "Staff must not share passwords.", Verdict.information),
    ("Do I need to clear a conference talk with anyone?",
     "Employees should get approval from the founder they report to about which conferences to speak at.",
     Verdict.needs_permission),
    # leave said not to be needed is leave given, not leave to ask for
    ("there's an internal role on another team I like - do I need my manager's permission before I apply?",
     "While you do not need their permission to apply for the new role, we encourage you to be transparent with them.",
     Verdict.permitted),
    ("Do I need sign-off to archive an old repository?", "No approval is needed to archive a repository.",
     Verdict.permitted),
    # what a rule leaves out is not bound by it, when the question is about that, not about the rule's own words
    ("can i keep my little pocket knife on me at work?",
     "Weapons are not permitted in the office under any circumstances, with the exception of small pocket knives "
     "(blades under 3\") and mace.", Verdict.permitted),
    # a semicolon inside brackets ends no part: "email" after it is no order to email
    ("I'm off on annual leave next week. Am I expected to keep an eye on my emails and Teams messages?",
     "The purpose of this policy is to make it clear to employees that they are not expected to read or reply to work "
     "related communications (for example; email, Workvivo, phone calls, notifications and messages) outside of their "
     "normal working hours, or on annual leave, except in exceptional situations.", Verdict.permitted),
    # ... nor is what a permission leaves out given its leave
    ("A customer wants to return a shirt but she's already worn and washed it. Can I take the return?",
     "Returns are allowed for items that still have the tags attached (NOT Worn or Washed).", Verdict.information),
    ("Can I take a return of a shirt with its tags still on?",
     "Returns are allowed for items that still have the tags attached (NOT Worn or Washed).", Verdict.permitted),
    ("Can guests use the gym on weekends?", "Guests may use all facilities, except for the gym, at weekends.",
     Verdict.information),
    # a permission limited in what follows it ("however they should be switched off") still answers "may I?"
    ("I'm starting as a volunteer at the pre-school next week - am I allowed to bring my mobile in with me?",
     "Staff, students and volunteers may bring mobile phones into the pre-school, however they should be switched off, "
     "or set to silent mode and stored in the office or kitchen.", Verdict.permitted),
    # leave given for less than was asked: one word of the question that only what it leaves out holds is enough
    ("Can I bring my wet ski boots into the house overnight so they're warm in the morning?",
     "To keep them warn, you can bring the boots to the laundry room overnight (but not into the house)",
     Verdict.information),
    ("Can I bring my ski boots into the laundry room overnight?",
     "To keep them warn, you can bring the boots to the laundry room overnight (but not into the house)",
     Verdict.permitted),
    # a "while" that says when is no turn to another rule ("…, while managers may …" is)
    ("I want to cosplay while I'm working my shift - is that ok?",
     "Staff members may not cosplay while on duty without the approval of their Department Head.",
     Verdict.needs_permission),
    ("Can I eat at the workstation?", "Do not store or ingest food or beverages at the workstation while working with "
     "objects.", Verdict.prohibited),
    ("Can I snap some pictures on my phone at work?", "Employees should never use any type of photographic feature on "
     "their cell phones to take pictures on company premises, while conducting company business, or at company-sponsored "
     "functions without receiving written permission from management to do so.", Verdict.needs_permission),
    # ... the exception ends where the rule's verb begins, when no comma closes it
    ("My buddy wants to ride along with me on a work drive. Can he come?",
     "No passenger, other than operator shall ride on any trucks, loaders, heavy equipment, or any other moving "
     "equipment unless specifically authorized to do so.", Verdict.needs_permission),
    ("can I bring a sword to the office?", "Weapons are not permitted in the office under any circumstances, with the "
     "exception of small pocket knives (blades under 3\") and mace.", Verdict.prohibited),
    ("legal is asking whether we can make people sign a CLA before contributing to our collection. is that allowed?",
     "Collections MUST NOT require community contributors to sign any type of contributor license agreement (CLA) other "
     "than the Developer Certificate of Origin (DCO) or similar agreements that only require confirming the provenance "
     "of contributions.", Verdict.prohibited),
    ("my colleague is stuck in traffic, is it ok if I clock her in on the system so she doesn't lose time?",
     "All staff should clock in and out themselves. Staff should at no time clock in or out for another member of "
     "staff.", Verdict.prohibited),
    # "may attend but not vote": the leave before a bare "but not" is denied for what follows it
    ("i'm an Associate, not a Fellow. can i vote at the fellowship meeting?",
     "Associates may attend but not vote nor participate in Council meetings and may attend but not vote at Fellowship "
     "meetings. However, they may attend and participate in working-group meetings, other meetings and seminars, and "
     "online forums.", Verdict.prohibited),
    ("can associates come along to working-group meetings?",
     "Associates may attend but not vote at Fellowship meetings. However, they may attend and participate in "
     "working-group meetings, other meetings and seminars.", Verdict.permitted),
    ("Can I use my phone in the staff room?", "You can use your phone in the staff room but not in classrooms.",
     Verdict.permitted),
    # ... and when the question names what the "but not" denies, word counts cannot tell which part it is about
    ("Can I use my phone in classrooms?", "You can use your phone in the staff room but not in classrooms.",
     Verdict.information),
    # a duty said to stand still
    ("thinking of resigning as a Fellow. do i still have to pay the dues i already owe?",
     "Any Fellow may resign by submitting a resignation via a process overseen by the secretary. Resignation shall not "
     "relieve a Fellow of any dues previously accrued.", Verdict.required),
    ("once I leave do I still have to keep client information confidential?",
     "Leaving the company does not release you from your duty to keep client information confidential.",
     Verdict.required),
])
def test_ruling_is_read_from_the_part_about_the_thing_asked(question, text, verdict):
    assert ruling_for(question, text) is verdict


def test_a_but_not_that_only_limits_denies_nothing():
    assert [v for _, v in rule_units("Staff can work from home, but not always on Fridays.")] == [
        Verdict.permitted, Verdict.information]
    assert [v for _, v in rule_units("Staff can work from home, but not on Fridays.")] == [
        Verdict.permitted, Verdict.prohibited]


# a policy's questions and answers, as a permit guide writes them
_FAQ = ("Q. An 18-year old Ranger is taking away Rangers who are under 18. Do they need to have completed a DBS check? "
        "A. No, as this is a peer group event, recruitment checks for participants over 18 aren’t required.")


@pytest.mark.parametrize("question, text, verdict", [
    # a conjunct denied after a comma ("…, and not take part in …") is a rule of its own, not the rule of the
    # part before it
    ("Are we supposed to stick to the agenda?",
     "It is very important that attendees adhere to meeting agendas, and not take part in any activities that are "
     "prohibited by competition law.", Verdict.information),
    ("Can I take part in activities prohibited by competition law?",
     "It is very important that attendees adhere to meeting agendas, and not take part in any activities that are "
     "prohibited by competition law.", Verdict.prohibited),
    # a sentence pointing back ("These ...") carries the rule about what the sentence before it names
    ("Can I spend my training allowance on a book?",
     "Every teacher has a training allowance of £300 a year for courses and books. These purchases must be "
     "approved by the head of department.", Verdict.needs_permission),
    ("Can I spend my training allowance on a book?",
     "Every teacher has a training allowance of £300 a year for courses and books. They are listed on the "
     "staff intranet.", Verdict.information),
    # a limit pointing back to a permission keeps it a permission
    ("Can I use lesson time to mark coursework?",
     "Staff may use lesson time to mark coursework, although this should be kept to one lesson a week.",
     Verdict.permitted),
    # ... but the same limit with no permission before it is a rule of its own
    ("Do I have to mark coursework in lesson time?",
     "Marking coursework takes time; this should be kept to one lesson a week.", Verdict.required),
    # a permission condition pointing back outranks the permission it qualifies
    ("Can I take a day of study leave?",
     "Staff may take up to five days of study leave. It must be agreed with the headteacher in advance.",
     Verdict.needs_permission),
    # an imperative after a sentence adverb or a fronted clause
    ("Do I need a different password for email and payroll?",
     "Passwords protect our data. Also use a different password for each system (email, payroll).",
     Verdict.required),
    ("Do I need to tell anyone if I lose my badge?",
     "If you lose your badge, tell reception the same day.", Verdict.required),
    ("Is it ok to email parents late in the evening?",
     "When you work late, take care not to email parents after 7pm: schedule the message for the morning.",
     Verdict.advised_against),
    # a number and its unit match the question's "7pm" written as "7 pm"
    ("Can visitors stay in the building after 7pm?",
     "Reception is staffed all day. The building is locked at 7 pm and no visitors are permitted.",
     Verdict.prohibited),
    # a "not" inside a condition of a permission: which one rules, words cannot tell
    ("Can I skip a meet-up for my sister's wedding?",
     "Skipping a meet-up is okay if you have an engagement you can't cancel.", Verdict.information),
    ("Do I need sign-off from the CEO to take another job?",
     "In absence of written consent from the CEO, the employee should not take up other employment.",
     Verdict.needs_permission),
    ("Can I buy a new laptop?", "Please get approval from Finance before purchasing a new laptop.",
     Verdict.needs_permission),
    # informal spelling without the apostrophe
    ("Can I make the hours up next week?", "You cant fill in hours from one week to the next.", Verdict.prohibited),
    # an obligation denied, money paid or not, a requirement stated by who requires it
    ("Do I need to keep a log of my sick days?",
     "We don't offer a bank of sick days, nor do we ask you to track your sick days.", Verdict.permitted),
    ("Can I expense my monthly travel card?", "The company will not pay for a monthly travel card.", Verdict.prohibited),
    ("Do I need to buy the textbook?", "You should never have to purchase a textbook for a course you teach.",
     Verdict.permitted),
    ("Do I have to pay for parking?", "Staff will never be required to pay for parking on site.", Verdict.permitted),
    ("Can I get my parking paid back?", "Parking at the client site is reimbursed at cost.", Verdict.permitted),
    ("Do I have to show proof for an emergency day off?",
     "You can take emergency leave twice a year and we require evidence of the emergency.", Verdict.required),
    ("If I leave, could I come back?", "Employees who have resigned are most welcome to come back.", Verdict.permitted),
    ("Can visitors come in after 7pm?", "After 7 pm visitors are never allowed in.", Verdict.prohibited),
    # an example has the force of the rule it illustrates; with no rule before it, its own
    ("Is it ok to ask a candidate if they plan to have children?",
     "Job applicants must not be asked questions which might suggest an intention to discriminate. For example, "
     "applicants should not be asked whether they plan to have children.", Verdict.prohibited),
    ("Is it ok to get a cab to a meeting?",
     "Travel is booked through the office. For example, staff should not get a cab to a meeting.",
     Verdict.prohibited),
    # a duty or permission confined to some cases: which side the asker is on, words cannot tell
    ("inherited an old module thats indented with tabs. can I keep using tabs when I add to it or do I have to convert?",
     "Tabs should be used solely to remain consistent with code that is already indented with tabs.",
     Verdict.information),
    ("Can I read company data on my phone?", "Staff may only access company data on phones that run Slack.",
     Verdict.information),
    ("Can I take ten days of study leave?", "Staff may take only five days of study leave a year.",
     Verdict.information),
    # what may be done once approved needs the approval
    ("can I just buy a learning subscription and claim it back?",
     "Subscriptions can be requested via the spending form. When approved you can purchase the subscription.",
     Verdict.needs_permission),
    # what may be done as long as it is approved needs the approval; so does what is not paid for without it
    ("haven't earned enough PTO yet. can I take the days before I've earned them?",
     "If you need more paid time off than you’ve earned, it’s okay for you to take a few days in advance of earning "
     "them, as long as it’s approved beforehand.", Verdict.needs_permission),
    ("can I work from home on Fridays?", "You may work from home provided that your manager has given approval.",
     Verdict.needs_permission),
    ("can I claim back a course I paid for?", "Courses will not be reimbursed without pre-approval.",
     Verdict.needs_permission),
    # a sentence opening on what it concedes: the concession and the rule after it are parts of their own
    ("Do I have to return the shoes at the end of the day?",
     "Whilst everyone is welcome to use these shoes, please return them at the end of the day.", Verdict.required),
    ("Can I use the crew's safety shoes?",
     "Whilst everyone is welcome to use these shoes, please return them at the end of the day.", Verdict.permitted),
    ("While on duty, can I take calls?", "While on duty, staff must not take personal calls.", Verdict.prohibited),
    # what keeps a permission to some cases leaves it conditional
    ("Is it OK to iron my shirts in my dorm room? My iron switches itself off automatically.",
     "Irons with automatic shut-off mechanisms are permitted but restricted to use in ironing rooms or laundry areas only.",
     Verdict.information),
    ("Can we ban a user for what they did in another server?",
     "In extreme circumstances, we may ban individuals for their actions in other communities. This will only happen if "
     "all of the following conditions are met.", Verdict.information),
    ("Can I keep a slow cooker in my room?", "While these appliances can only be used in kitchens, they can be stored "
     "unplugged in student rooms while not in use.", Verdict.information),
    # "must A and should not B" holds two rules, each read for its own thing
    ("I'd like to grow mint and strawberries. Do they have to go in pots?",
     "Aggressive plants like mint, lemon balm and strawberry must be grown in containers and should not be allowed to get "
     "established in other parts of the garden.", Verdict.required),
    # a scene set before the question ("When I pick up the rental car, …") is not what is asked, when a part answers that
    ("When I pick up the rental car for fieldwork, should I buy the extra insurance they offer at the desk?",
     "Rental cars require prior department approval and will not be reimbursed without it. These contracts include full "
     "insurance coverage. Do not buy additional insurance at the counter.", Verdict.prohibited),
    ("When I pick up the rental car for fieldwork, do I need approval first?",
     "Rental cars require prior department approval and will not be reimbursed without it. These contracts include full "
     "insurance coverage. Do not buy additional insurance at the counter.", Verdict.needs_permission),
    # a rule the asker states as known, then asks past with "but", is not what is asked
    ("I know meat isn't allowed, but is it fine to have yoghurt and cheese while I'm staying at the farm?",
     "No meat is allowed on the property. Dairy products are ok, but we encourage you to be vegan while here!",
     Verdict.information),
    ("I know meat isn't allowed, but is it fine to have dairy products at the farm?",
     "No meat is allowed on the property. Dairy products are ok, but we encourage you to be vegan while here!",
     Verdict.permitted),
    # "provided" the verb is no "provided that": what must be provided before an approval is a duty
    ("Our evening event runs past closing time. Do we have to get insurance for that?",
     "For events outside of regular Library hours, a Certificate of Insurance is required. This may be obtained from "
     "your insurance agency and must be provided before approval of your reservation request.", Verdict.required),
    ("can I work remotely?", "You may work remotely as long as you stay reachable.", Verdict.permitted),
    # what someone else decides, at their discretion or case by case, needs their leave; the reader's own discretion
    # leaves it to the reader
    ("a close friend passed away, can i take a paid day off for the funeral?",
     "All employees may take up to 1 day off with pay to attend the funeral of a close, non-family member. This time "
     "off will be considered by the CEO on a case-by-case basis.", Verdict.needs_permission),
    ("I've changed my mind, can I take back my resignation?",
     "Resignation may be withdrawn in writing before the notice period expires, at the discretion of the company.",
     Verdict.needs_permission),
    ("can I take term-time leave for my brother's wedding?",
     "Term-time leave is not an entitlement and will be approved only at the Headteacher's discretion.",
     Verdict.needs_permission),
    ("can I share my tips with the runners?",
     "You may share tips with the runners at the individual employee's discretion.", Verdict.permitted),
    # where one can find something is no leave to do anything
    ("do I really have to go to the chalet meetings?",
     "You can find Google Calendar links for chalet meetings pinned to the top of the #chalet Slack channel.",
     Verdict.information),
    # what not to expect of others rules nothing on the reader's own acts
    ("is it ok if I don't reply to lab emails on the weekend?",
     "Do not expect responses to emails after regular business hours on weekdays, or on weekends.", Verdict.information),
    ("can I skip replying to email on Sundays?", "You should not expect a reply on weekends.", Verdict.information),
    ("can I reply to a phishing email to ask if it's real?", "Do not reply to phishing emails.", Verdict.prohibited),
    # a permission written with a contraction
    ("is it ok to make mistakes here?", "We dare to deviate from the usual way of working. It’s okay to make mistakes.",
     Verdict.permitted),
    # asking someone to waive or approve it is asking leave
    ("do we really have to sit out the full wait period?",
     "If a project becomes active early in a cycle, project members can approach the TC to waive the wait period.",
     Verdict.needs_permission),
    # a duty that holds when someone else requires it says nothing of whether they do
    ("do I have to change my password every 90 days?",
     "When required to change a password, you must do so as soon as possible.", Verdict.information),
    # an "it" standing for what follows ("it's not appropriate to …") points nowhere back: not read with the rule before
    ("can we hold my absence meeting in the cafe near my house?",
     "The location of the meeting should be agreed to beforehand. However, it’s not appropriate to meet in public "
     "places, such as cafes.", Verdict.information),
    # how a thing is to be regarded lays no duty on anyone
    ("customs want me to unlock my laptop, do I have to do it?",
     "If a customs official takes your device out of your sight, it should be considered compromised.",
     Verdict.information),
    # a paragraph ends a part, full stop or not: a form's labels over a rule are not the rule's subject
    ("can I write the customer's card number on the form?",
     "Customer Signature\nPrinted Name\nDate\n\nDo not write the full card number or CVV on this form.", Verdict.prohibited),
    ("can we rely on another bank's checks instead of our own?",
     "We may, under the following circumstances, rely on the performance by another financial institution of our "
     "customer identification program:", Verdict.information),
    # ... and it leaves a rule read with it conditional: "keep every receipt" holds only over $25
    ("do I need to keep receipts for every coffee on a work trip?",
     "Do I need to keep my receipts? Yes. You should make every effort to keep every receipt, but receipts are only "
     "required for all expenses over $25.", Verdict.information),
    ("do I need to keep receipts for every coffee on a work trip?",
     "You should keep every receipt for your trip, though receipts are only required for expenses over $25.",
     Verdict.information),
    # a contrast ruling on what the part before names ("…, but we require it") rules on that thing
    ("the catalogue says Advanced Pharmacoepi is optional, do I actually have to take it?",
     "Advanced Pharmacoepidemiology (PHA 7807) - this is an optional course in the PhD program, but we require it "
     "for our lab.", Verdict.required),
    ("can I bring my dog to the office?", "Dogs are lovely, but we don't allow them in the office.",
     Verdict.prohibited),
    # ... while a contrast about another act on it is a rule of its own
    ("can I question a decision?", "Questioning a decision is acceptable, but attacking it personally is not "
     "acceptable.", Verdict.permitted),
    # a duty or leave confined to the people a sentence opens with ("Only …") is no rule for whoever asks; an
    # abbreviation's stop ("etc.") ends no sentence
    ("I'm joining as an apprentice, do I have to go through the Tech Onboarding section too?",
     "**Only** technical joiners -- engineers, designers, developers, etc. -- need do this section. Apprentices "
     "also can (and should) skip this.", Verdict.information),
    ("can I make my friend a member of the directory myself?",
     "Only a node rep can send a request to ops to add a new member to the directory.", Verdict.information),
    ("can my visitors come into the server room with me?", "Only staff may enter the server room.",
     Verdict.information),
    # two parts each holding the question's words, nearly as many, with different rules: which governs, words
    # cannot tell
    ("do I have to pay for my campus ID card myself?",
     "Every employee gets a campus ID card for verification of employment and access to the library, buildings "
     "after hours, and gym. This is not required to get into any of our offices during normal work hours. There is a one-time "
     "$30 fee per card that employees must pay themselves.",
     Verdict.information),
    ("can I put a half sick day in the timesheet for a dentist appointment?",
     "You only need to record any sick or vacation days you took (in increments of 8 hours), you do not need to "
     "record hours worked.", Verdict.information),
    ("Can I install software on my laptop?",
     "Software may only be installed with authorisation from the IT coordinator.", Verdict.needs_permission),
    # a rule against what is done to people who do the thing asked is no rule on doing it
    ("Can I file a formal complaint about my manager?",
     "Retaliating against anyone who files a formal complaint is prohibited.", Verdict.information),
    ("Can I raise a whistleblowing concern without giving my name?",
     "We will not tolerate the harassment or victimisation of anyone raising a genuine concern.", Verdict.information),
    # ... but a rule whose own act is asked about, or whose people are its subject, still rules
    ("Can I shout at a pupil?", "Staff must not shout at pupils who misbehave.", Verdict.prohibited),
    ("Can I smoke on site?", "Those who smoke must not do so on site.", Verdict.prohibited),
    # a question in the text rules nothing; the answer after it is read with it ("Q. … ? A. No, …")
    ("Does an 18-year old Ranger need a DBS check?", _FAQ, Verdict.permitted),
    ("Can I bring my dog?", "Can I bring my dog to work? No. Dogs must not be brought in.", Verdict.prohibited),
    ("Do I need a visitor badge?", "A visitor badge isn't necessary for staff.", Verdict.permitted),
    # what a thing may do is no leave: advice against it stands
    ("is it ok to use abbreviations in my notes?", "Avoid abbreviations in general as they can cause confusion",
     Verdict.advised_against),
    # a list's items are read one by one, not as one text whose first rule word decides
    ("can I keep my password on a post-it stuck to my laptop?",
     "- Switch off the laptop at night, you can restart it in the morning.\n- Do not keep the password with the laptop.",
     Verdict.prohibited),
    # items are parallel: one opening "That …" continues the lead-in, not the item before it
    ("can I swap some annual leave for cash?",
     "The agreement includes:\n* Staff must take the leave they have built up\n"
     "* That staff may exchange up to a week of annual leave for cash each year", Verdict.permitted),
    # what is possible or not is leave or none; a condition on it ("if it is not possible to …, tell …") is not
    ("I'm 8 months in, can I take my vacation over Christmas?",
     "It is not possible to take a vacation before completing one year of employment", Verdict.prohibited),
    ("can I sell some vacation days?", "It's possible to trade 10 days of vacation for payment", Verdict.permitted),
    ("can I skip the meeting?", "If it is not possible to attend the meeting, tell your manager.", Verdict.information),
    # an imperative after a fronted clause holding a parenthesis; a duty with an adverb inside it
    ("got a poster accepted, do I have to do a practice run in front of the lab?",
     "If you are going to give a presentation (a poster or a talk), be prepared to give a practice presentation to "
     "the lab at least one week ahead of time.", Verdict.required),
    ("once the police know, do I have to keep looking for the child?",
     "Upon notifying the police, staff are still expected to keep looking for the child.", Verdict.required),
    # "no need to" denies a duty
    ("can I order my laptop now or do I have to wait till probation is over?",
     "You can order your things as soon as two weeks before your start date, and no need to wait for your probation "
     "period to be over.", Verdict.permitted),
    # leave to act without asking is leave; "can neither … nor" rules out; a permission confined to a case
    ("can I revert the commit without asking its author?",
     "If the commit introduced a disclosed security vulnerability then the commit may be reverted immediately without "
     "permission from anyone.", Verdict.permitted),
    ("can I take out two loans at once?",
     "Employees can neither take out two loans at the same time nor apply while repaying one.", Verdict.prohibited),
    ("can I take out another loan?",
     "Employees can take out another loan only after six months have passed since repaying the first.",
     Verdict.information),
    # an aside in brackets states no rule of its sentence, unless it sets a condition on it
    ("do I need a doctor's certificate to take a personal leave day?",
     "Personal leave days are also known as 'meh' days (those days where nothing goes right and you just need to "
     "write them off), no medical certificate required.", Verdict.information),
    ("can I bring my union rep to the meeting?",
     "If you are in the UK (where in that case we require you to confirm the attendees in advance), you are entitled "
     "to bring a colleague or trade union rep to these meetings.", Verdict.permitted),
    ("am I allowed to wear jeans on payday Friday?", "Avoid blue jeans (except payday Fridays), open-toed sandals and "
     "shorts.", Verdict.information),
    # a duty does not answer "may I …?": beside it, equally or nearly as close, a rule against the thing answers …
    ("is it ok to just run my model fit on the login node?", "All computational processes must be run as a job on a "
     "compute node. DO NOT RUN ANALYSES ON THE LOGIN NODE because it limits everyone else.", Verdict.prohibited),
    ("can I put my travel insurance on expenses?", "Please note that travel insurance is not covered by the company. If "
     "you require travel insurance this is something you need to organise at your own cost.", Verdict.prohibited),
    # … while a permission beside a duty may be limited by it
    ("can I work whenever, even if it never overlaps with my manager?", "We require there to be some overlap with "
     "your manager. You are generally free to arrange your working hours however works for you.", Verdict.information),
    # what one does "as best one can" is no leave; "Only …" confines a numbered clause too
    ("does my request need a special form?", "Begin the request by filling in this form, as best you can.",
     Verdict.information),
    ("can I post about our new range on the company page?", "40.2.3 Only the authorised Employees within the "
     "Marketing Department are permitted to post material on the company page.", Verdict.information),
    # a rule against another act of the people or things named before is a rule of its own
    ("a student wants to drop their reserve textbook in the drop box, is that fine?", "Textbooks must be handed "
     "directly to a library staff member. They may not be placed in a drop-box.", Verdict.prohibited),
    ("can I let a student check out all 8 of our books on food deserts?", "Patrons are allowed to check out up to 10 "
     "books. However, they are not allowed to check out all books on a specific subject. For example, if the library "
     "has 8 books on food deserts, they can check out 2 or 3.", Verdict.prohibited),
    # leave in some cases is no leave said to be the asker's; a right denied rules out
    ("can I buy a couple of extra weeks of holiday?", "You may be able to buy up to two weeks' extra holiday.",
     Verdict.information),
    ("can I claim mileage for driving from home to school?", "Please note that driving from home to school is not "
     "eligible for mileage reimbursement.", Verdict.prohibited),
    # advice against, in the active voice
    ("can I just lodge an anonymous complaint?", "We strongly encourage you NOT to submit anonymous complaints.",
     Verdict.advised_against),
    # a permission that names an approval needs that approval
    ("can I swap some annual leave for cash?",
     "Staff may exchange up to a week of annual leave for cash with Coordinator approval.", Verdict.needs_permission),
])
def test_rules_stated_across_sentences_and_as_imperatives(question, text, verdict):
    assert ruling_for(question, text) is verdict


def test_a_questions_answer_rules_in_its_own_words_not_under_its_lead_in():
    """In a list of questions and answers, the item's lead-in ("the permit holder will need to complete …")
    does not lend its rule to the question or its set-up; the answer rules."""
    faq = _FAQ.replace("? A.", "?\nA.")
    lead_in = "Please note, if all the members are over 18, the permit holder will need to complete Safe Space training."
    question = "One of my Rangers is 18 and is taking 16 and 17 year olds away on her trip. Does she need a DBS?"
    assert ruling_for(question, faq, lead_in) is Verdict.permitted


@pytest.mark.parametrize("question, may_only", [
    ("Can I bring my dog to work?", True),
    ("Is it OK to use my sabbatical to look for a new job?", True),
    ("Am I allowed to post photos of pupils?", True),
    ("Will abusive comments be tolerated?", True),
    ("Do I have to tell anyone?", False),
    ("Should I report it to IT?", False),
    ("can I add my spouse now or do I have to wait for open season?", False),  # asks whether one must, too
    ("What is the dress code?", False),
])
def test_questions_asking_only_whether_something_may_be_done(question, may_only):
    assert asks_only_may(question) is may_only


@pytest.mark.parametrize("question, verdict", [
    # "can I ...?" is not answered by a rule that something (else) must be done
    ("Is it ok to use my sabbatical to look for a new job?", Verdict.information),
    ("Can I take my sabbatical in the summer?", Verdict.information),
    # ... but "do I have to ...?" is
    ("Do I have to give a presentation after my sabbatical?", Verdict.required),
])
def test_a_requirement_answers_only_a_question_about_what_must_be_done(question, verdict):
    text = "At the end of the sabbatical, the employee should give a presentation about their sabbatical."
    assert ruling_for(question, text) is verdict
    # a prohibition answers "can I ...?" as before
    assert ruling_for("Can I take my sabbatical in the summer?",
                      "Staff must not take a sabbatical in the summer term.") is Verdict.prohibited


def test_a_part_turning_against_its_list_rules_in_its_own_words():
    """An item under "not allowed" whose own "however, … are permitted" excepts something: that part is leave, not
    one more thing ruled out; asked about it, the item's two rules disagree, and no ruling is stated."""
    lead_in = "The following is not considered appropriate attire and is not allowed:"
    item = ("Large, flamboyant jewelry (note, if working in the packaging areas, no jewelry or watches are permitted; "
            "however, wedding bands or other similar rings with no stones are permitted).")
    assert [v for _, v in rule_units(item, lead_in)] == [Verdict.prohibited, Verdict.permitted]
    assert ruling_for("I work in packaging, can I keep my plain wedding band on?", item, lead_in) is Verdict.information
    # an item with no contrast of its own is still read under its lead-in
    assert [v for _, v in rule_units("Jeans may be worn on Fridays.", lead_in)] == [Verdict.prohibited]


def test_rule_parts_split_sentences_and_contrasts():
    assert rule_parts("Pets may visit. Food must stay in the kitchen, but drinks are fine; smoking is banned.") == [
        "Pets may visit.", "Food must stay in the kitchen", "but drinks are fine", "smoking is banned."]
    assert rule_parts("Bring what you need, e.g. a laptop, pens, etc. and a charger. Visitors must sign in.") == [
        "Bring what you need, e.g. a laptop, pens, etc. and a charger.", "Visitors must sign in."]
    # each list item states its own rule
    assert rule_parts("If no patient is waiting:\n- Do not just wait\n- You may see patients in another area") == [
        "If no patient is waiting:", "Do not just wait", "You may see patients in another area"]


@pytest.mark.parametrize("text, context, verdict", [
    ("Staff must not share passwords.", None, Verdict.prohibited),
    ("Staff should not post photos of pupils.", None, Verdict.prohibited),  # as readers of policies take it
    ("Staff are strongly advised not to post photos of pupils.", None, Verdict.advised_against),
    ("Do not use personal email without prior approval from IT.", None, Verdict.needs_permission),
    ("Staff must wear a badge.", None, Verdict.required),
    # an obligation said not to exist is leave not to act; the organisation's own is not
    ("At present, there is no obligation to attend in-person meetings.", None, Verdict.permitted),
    ("You are under no obligation to send out a farewell email, but if you do, keep it short.", None, Verdict.permitted),
    ("The Company is under no obligation to approve any request by an Employee to work at home.", None,
     Verdict.information),
    ("No \"off - the-clock\" work is ever permitted.", None, Verdict.prohibited),
    # what is said never to be paid is refused; a limit ("no more than") allows some, not all
    ("No taxi expense claims will be reimbursed.", None, Verdict.prohibited),
    ("Wedding bands or other similar rings with no stones are permitted.", None, Verdict.permitted),  # a thing's "no"
    ("No more than 5 days of unused leave are permitted to be carried over.", None, Verdict.information),
    # a duty nobody may lay on someone is leave not to do it
    ("TAs and RAs are not to be required to purchase food for, or clean up after any departmental function.", None,
     Verdict.permitted),
    ("There is no expectation to respond until the core work hours.", None, Verdict.permitted),
    # the writer's reason is no duty on the reader; a reason given for a rule leaves the rule standing
    ("Mark will occasionally send messages out of hours, as I sometimes have to shuffle email around other "
     "commitments.", None, Verdict.information),
    ("You must lock your screen, as we have to protect personal data.", None, Verdict.required),
    ("Staff are not to use their personal email for work.", None, Verdict.prohibited),
    # "may or may not": not known either way
    ("If you have a DBS check for another organisation, it may or may not be possible to consider it for use here.",
     None, Verdict.information),
    ("If you are included as an invitee, you may or may not be required to attend, depending on the meeting.", None,
     Verdict.information),
    ("Refunds may or may not be made, at the discretion of the leader.", None, Verdict.needs_permission),
    # discouraged, in the active voice too
    ("We discourage distributing word docs as an attachment.", None, Verdict.advised_against),
    ("If the harasser offers to apologize in person, we suggest strongly discouraging it.", None,
     Verdict.advised_against),
    ("It's actively discouraged to use the rolling agenda for notes.", None, Verdict.advised_against),
    ("We try to discourage or encourage specific behaviors, not make judgments about people.", None,
     Verdict.information),
    # what one can learn or gain is no leave
    ("You can learn more about our team in the Year in Review reports.", None, Verdict.information),
    ("We prefer that you ask questions in the channel rather than privately. This way everyone can learn from the "
     "conversation.", None, Verdict.information),
    # what may be done to someone is no leave given to them
    ("You may be asked to provide a doctor's note.", None, Verdict.information),
    ("You may be provided with office equipment depending on the needs of your job.", None, Verdict.information),
    ("Employees may be subject to disciplinary action.", None, Verdict.information),
    # what befalls those who do not do something rules nothing on doing it; eligibility lost is denied
    ("Any applicant who refuses to sign the notification and authorization form is no longer considered eligible "
     "for employment.", None, Verdict.information),
    ("Staff who fail to attend the training will not be paid for the day.", None, Verdict.information),
    ("Part-time staff are no longer eligible for the annual bonus.", None, Verdict.prohibited),
    ("Contractors are ineligible for the staff discount.", None, Verdict.prohibited),
    # where or when an event happens is no one's duty
    ("Voting on an important issue shall take place at a Voting Meeting.", None, Verdict.information),
    ("The annual general meeting shall be held in March.", None, Verdict.information),
    ("Members shall attend the annual general meeting.", None, Verdict.required),
    # what others must tell or give someone: whose duty, the words do not say
    ("Members shall be notified at least one week before the Voting Meeting.", None, Verdict.information),
    ("Parents should be informed promptly of any accident.", None, Verdict.information),
    ("Staff must notify parents of any accident.", None, Verdict.required),
    ("You may be accompanied by a colleague or trade union representative.", None, Verdict.permitted),
    # a rule against something unless it is authorised needs that leave, the noun named too
    ("Staff must not install software unless prior approval has been given by IT.", None, Verdict.needs_permission),
    ("undertake port scanning or security scanning unless prior authorisation has been granted by the Chief "
     "Information Officer.", "Users must not:", Verdict.needs_permission),
    # a duty or its absence naming which days a rule is about is not the rule
    ("You are required to report to work on days you are not required to report for jury service.", None,
     Verdict.required),
    # what a document itself does rules nothing on anyone's acts; what people do with it still does
    ("These regulations shall not contradict anything contained in the rules.", None, Verdict.information),
    ("This policy shall not apply to contractors.", None, Verdict.information),
    ("The Code shall not prevent staff from raising concerns, and staff must not be victimised.", None,
     Verdict.prohibited),
    ("This policy must not be shared outside the school.", None, Verdict.prohibited),
    ("The rules do not allow dogs in the huts.", None, Verdict.prohibited),
    # leave without asking confined to some cases is no leave in all of them
    ("Gifts may only be accepted without prior approval when:", None, Verdict.information),
    ("You may accept small gifts without prior approval.", None, Verdict.permitted),
    # a requirement said not to stand
    ("For the HEP lab clean room, we don't have such a requirement.", None, Verdict.permitted),
    ("There is no such requirement for part-time staff.", None, Verdict.permitted),
    # what must be made impossible is a duty, not a rule against the reader
    ("Ensure any work-related conversations can't be overheard.", None, Verdict.required),
    ("Make sure your screen cannot be seen by others.", None, Verdict.required),
    ("Staff cannot be contacted after 6pm.", None, Verdict.prohibited),
    # what people talk of as not allowed; what may be required at someone's discretion is no leave to ask for
    ("Pets aren’t allowed in the office.", None, Verdict.prohibited),
    ("Should a projectionist not work a show for over 5 weeks, they may be required to work at least one N-Proj show, at "
     "the discretion of the committee.", None, Verdict.information),
    ("Overtime is at the discretion of the manager.", None, Verdict.needs_permission),
    # an item whose own rule words give no ruling does not take its lead-in's
    ("Should a projectionist not work a show for over 5 weeks, they may be required to work at least one N-Proj show, at "
     "the discretion of the committee.", "The committees shall have the following responsibilities and remits:",
     Verdict.information),
    ("Wear or display partisan political buttons", "Less restricted federal employees may not:", Verdict.prohibited),
    ("Please leave your own shoes in the cupboard and please return them after the event.", None, Verdict.required),
    ("Dependencies licensed under Apache-2.0 do not require further license review or approval.", None,
     Verdict.permitted),
    ("A live DJ or guest should NEVER swear on-air, as this conduct is considered highly unprofessional.", None,
     Verdict.prohibited),
    ("You should never have to work unpaid overtime.", None, Verdict.permitted),
    # leave to be excused from a rule is no leave to do what it asks
    ("Backend developers are all expected to be on the on-call rota, unless their head of community agrees that they "
     "have reason to opt out.", None, Verdict.required),
    ("When you have passed probation, you will be drafted onto the on-call rota, unless you and your head of community "
     "have agreed you can opt out.", None, Verdict.information),
    ("You may not work overtime unless it has been approved by your manager.", None, Verdict.needs_permission),
    # what may happen to one is no leave; a comparison is no "no … are permitted"
    ("You may be approached by organizations who want to partner with us.", None, Verdict.information),
    ("Fish tanks no larger than 10 gallons are permitted.", None, Verdict.permitted),
    ("No pets are permitted in halls.", None, Verdict.prohibited),
    # "do not hesitate to" invites
    ("If you feel at all uncomfortable, do not hesitate to contact the front desk.", None, Verdict.permitted),
    ("You should not hesitate to raise a concern with your manager.", None, Verdict.permitted),
    ("Do not approach the person if you are uncomfortable.", None, Verdict.prohibited),
    # a duty said to stand still; a kind of employee is no duty
    ("Failure to read or acknowledge this policy does not exempt individuals from compliance.", None, Verdict.required),
    ("Non-exempt employees are those who are not exempt from the overtime provisions of the Fair Labor Standards Act.",
     None, Verdict.information),
    ("You may work from home on Fridays.", None, Verdict.permitted),
    ("The school has a Twitter account.", None, Verdict.information),
    ("The school does not permit phones in class.", None, Verdict.prohibited),
    ("We won't tolerate bullying.", None, Verdict.prohibited),
    ("We do not accept liability for lost items.", None, Verdict.information),
    ("Learn to avoid disreputable journals and publishers.", None, Verdict.advised_against),
    # permissions written as people talk
    ("You're allowed to expense lunch on travel days.", None, Verdict.permitted),
    ("You are more than welcome to join the book club.", None, Verdict.permitted),
    ("But sure, go ahead and buy your mum a hoodie!", None, Verdict.permitted),
    ("We're happy for you to work from home on Fridays.", None, Verdict.permitted),
    ("You're never allowed to share passwords.", None, Verdict.prohibited),
    # what the organisation never asks for is no one's duty; what it tells staff never to do is ruled out
    ("We never ask for documentation for simple needs such as more frequent breaks.", None, Verdict.permitted),
    ("We won't ask for a doctor's note for the first three days.", None, Verdict.permitted),
    ("We never share pupils' photos online.", None, Verdict.prohibited),
    # "it is essential that …" lays a duty; "important" only advises
    ("It is essential that you are present to play your part in the handover.", None, Verdict.required),
    ("It is imperative that they disclose any conflict of interest.", None, Verdict.required),
    ("It is important that we help each other.", None, Verdict.information),
    # a duty denied to someone else is no leave for the reader
    ("For occasional working from home it is not necessary for the agency to visit your home.", None,
     Verdict.information),
    ("It is not necessary for staff to wear a tie.", None, Verdict.permitted),
    ("A doctor's note is not required for the first three days.", None, Verdict.permitted),
    # a purpose ("to make sure you don't have to …") lifts no duty
    ("Travelling inside business hours helps make sure you don't have to go to bed without dinner.", None,
     Verdict.information),
    ("We book the hotel so you don't have to.", None, Verdict.information),
    ("So you do not need to ask.", None, Verdict.permitted),
    # what people should be able to do is what they may expect, not a duty
    ("Lab members should be able to create a working schedule that is right for them.", None, Verdict.information),
    ("The use of the school's logo", "The following are **not considered acceptable**:", Verdict.prohibited),
    ("Use social networking sites responsibly", "everyone must ensure that they:", Verdict.required),
    ("To protect your account, use a password manager.", None, Verdict.required),
    ("Also lock your screen when you leave your desk.", None, Verdict.required),
    ("Update the nurse before you leave the department.", None, Verdict.required),
    # "approved" naming a kind of thing asks no leave ("Avoid … unless using a company-approved VPN": a rule against
    # something under a condition gives no ruling)
    ("Avoid connecting to unsecured public Wi-Fi networks unless using a company-approved VPN.", None,
     Verdict.information),
    ("Do not install software unless it has been approved by IT.", None, Verdict.needs_permission),
    # a need that names a case lays no duty; an expectation denied to people is leave, not one of what a thing may do
    ("Take the time you need for the regular pregnancy controls, whether you are pregnant or need to accompany your "
     "partner.", None, Verdict.information),
    ("If you need to leave early, tell your manager.", None, Verdict.required),
    ("Note that being available does not mean that you are available 24/7 - this is not expected.", None,
     Verdict.permitted),
    ("Staff aren't expected to work weekends.", None, Verdict.permitted),
    ("When the project is not expected to generate any further publications, you must delete the data.", None,
     Verdict.required),
    # what one is told not to say rules nothing itself
    ("Please do not say you are not allowed to talk to a reporter or have to get permission to do so.", None,
     Verdict.prohibited),
    ("If it is a planned meeting, post the agenda at least 24 hours in advance.", None, Verdict.required),
    ("Review dates are set by the governing board.", None, Verdict.information),
    ("If in doubt, do not open the attachment.", None, Verdict.prohibited),
    ("Be careful not to share screens showing pupil data.", None, Verdict.advised_against),
    # a verb's spelling used as a noun is not an imperative
    ("Follow-up meetings are held monthly.", None, Verdict.information),
    ("Use of the minibus is booked through the office.", None, Verdict.information),
    ("Report templates are on the shared drive.", None, Verdict.information),
    # "no …" before what is allowed denies it
    ("No pictures are allowed to be taken on private mobile phones while on shift.", None, Verdict.prohibited),
    ("No one is allowed to enter the server room alone.", None, Verdict.prohibited),
    # "there shall be no …" rules the thing out
    ("There shall be no voting by proxy.", None, Verdict.prohibited),
    ("There must be no smoking anywhere on the school site.", None, Verdict.prohibited),
    # a rule word inside a condition set before the rule is part of the condition, even when a "but" cuts it
    ("If you cannot attend the induction, you must let the coordinator know.", None, Verdict.required),
    # ... an aside may stand first in the condition
    ("If, for whatever reason, you cannot lead a pick at a tree you've adopted, you must un-assign yourself from that "
     "harvest.", None, Verdict.required),
    # "no" inside what is required is no leave not to ("No DBS check is required" is)
    ("A Criminal Record Check with ‘no criminal record’ is required. Cost is reimbursed.", None, Verdict.required),
    ("Evidence showing no convictions is required.", None, Verdict.required),
    ("For volunteers under 18, no DBS check is required.", None, Verdict.permitted),
    ("If you help with data collection but cannot attend the training due to a clash, tell the lead ahead of time.",
     None, Verdict.required),
    ("When you are not allowed on site, this counts as paid leave.", None, Verdict.information),
    ("If approved, you may work from home on Fridays.", None, Verdict.needs_permission),
    ("If you have to hand over your password at a border, or have a device seized, please let us know.", None,
     Verdict.required),
    # a purpose is no leave; freedom denied rules out
    ("We book all travel centrally so that we can keep costs down.", None, Verdict.information),
    ("If you are scheduled for home call you are not free to take extra shifts that day.", None, Verdict.prohibited),
    # "should expect" says what is likely, not what is owed
    ("Everyone performing as expected should expect to progress through their pay band each year.", None,
     Verdict.information),
    ("Staff should anticipate a reply within ten working days.", None, Verdict.information),
    # a duty that may arise is not one the asker can be told is theirs; one denied outright is a permission
    ("Staff off sick for three or more days may be required to provide a doctor's note.", None, Verdict.information),
    ("You might need to show your badge at the gate.", None, Verdict.information),
    ("No documentation will be required before three consecutive days of absence.", None, Verdict.permitted),
    # "required to" names a need, not a duty, without a verb "to be" before it
    ("This stage covers the training required to meet the statutory requirements of the Act.", None,
     Verdict.information),
    ("You will be required to attend the induction.", None, Verdict.required),
    # a need named as a thing is laid on nobody
    ("Each year we take stock of what we accomplished and what we need to accomplish next.", None, Verdict.information),
    ("This page has everything you need to know about booking leave.", None, Verdict.information),
    # leave said not to be needed; not of a thing described, and not beside another rule it cannot be told from
    ("You don't need permission to join a guild channel: just jump right in.", None, Verdict.permitted),
    ("Any arrangement which does not require borrowing approval shall be subject to approval by the full Council.",
     None, Verdict.needs_permission),
    ("You do not need formal approval for most PTO, but you do need to communicate early.", None, Verdict.information),
    ("Under no circumstances should staff share their passwords.", None, Verdict.prohibited),
    # a thing said not to be needed is not required
    ("You do not need a doctor's note for one day of sickness.", None, Verdict.permitted),
    ("If you do not need a laptop, return it.", None, Verdict.required),
    # a "not" in a condition set before the rule without its comma is the condition's, not the rule's
    ("If a host cannot attend a call and there is no back up host available the call must be cancelled.", None,
     Verdict.required),
    ("If you cannot attend work because you are sick you should contact your manager as early as possible.", None,
     Verdict.required),
    ("In no case may the traveler choose a reservation at a higher cost to earn rewards.", None, Verdict.prohibited),
    # the people a policy names by their role have its leave as staff do
    ("Volunteers may bring mobile phones into the pre-school.", None, Verdict.permitted),
    ("Guests can use the kitchen until ten.", None, Verdict.permitted),
    ("The hirer may use the hall until 11pm.", None, Verdict.permitted),
    ("Employees may**, for example:", None, Verdict.permitted),  # a lead-in giving leave to its items
    # ... but not what may happen to them, what they may have done, nor a "can" with nothing after it
    ("Another staff member may be responsible for preparing the yard duty roster.", None, Verdict.information),
    ("If you accept a call and are not connected, another operator may have beat you to it.", None, Verdict.information),
    ("Do not surf the canoe in: people can get hurt.", None, Verdict.prohibited),
    ("Don't ring for an ambulance: we're equipped to help faster than a 999 operator can.", None, Verdict.prohibited),
    ("If you need to work from home for a personal errand, you can.", None, Verdict.permitted),
    # nobody having leave, and what nobody shall have done, rule it out
    ("No member may belong to another volunteer rescue squad in the city.", None, Verdict.prohibited),
    ("No person can hold more than two proxy votes at any General Meeting.", None, Verdict.prohibited),
    ("No animals shall be brought into the hall.", None, Verdict.prohibited),
    ("No reference should be made in social media to pupils.", None, Verdict.prohibited),
    # "not able to" as "cannot", outside a condition
    ("Client laptops - you are not able to take a client laptop outside of the UK.", None, Verdict.prohibited),
    ("Staff who are not able to attend must tell the office.", None, Verdict.required),
    ("Parents are told that if they are not able to collect the child, they must ring the setting.", None,
     Verdict.required),
    ("Membership of the Rover Crew is not a prerequisite to eligibility for an honorary role.", None, Verdict.permitted),
    ("No member can be a Head of Department more than twice in ten consecutive weeks.", None, Verdict.prohibited),
    # what may be done with a thing gives leave; what may happen to it does not
    ("Dinner may be claimed if you have an overnight stay.", None, Verdict.permitted),
    ("Unused lessons can be refunded with 48-hour notice.", None, Verdict.permitted),
    ("Unsaved work may be lost if the laptop restarts.", None, Verdict.information),
    # leave the organisation or its policy gives, not one it concedes before a duty
    ("The company policy allows casual dressing on every Friday and Saturday.", None, Verdict.permitted),
    ("We permit the incidental use of our systems to send personal email.", None, Verdict.permitted),
    ("This allows us to respond to members quickly.", None, Verdict.information),
    ("Whilst we allow siblings in the class, we do expect parents to be mindful of others.", None, Verdict.information),
    ("If a swimmer is out of the pool due to illness, please note that fees are still payable.", None,
     Verdict.required),
    # a rule after its label, a breach of policy, a responsibility laid on someone, a fee waived
    ("Red lanyard: Do not take my photo", None, Verdict.prohibited),
    ("Accepting tips while on duty as a cashier is violation of company policy.", None, Verdict.prohibited),
    ("If the parent has not collected the child it is the responsibility of the chaperone to stay with that child.",
     None, Verdict.required),
    ("If you cannot pay, the dues can be waived.", None, Verdict.permitted),
    # a rule against something kept to what can be managed is advice
    ("Do not “surf” the canoe into shore if at all possible, the canoes are not designed for surfing.", None,
     Verdict.advised_against),
    ("Staff should not work alone in the building where possible.", None, Verdict.advised_against),
    # leave withheld until permission is given; leave denied not to do something; a "cannot" or "should not" of a
    # condition; what may be asked of one
    ("Parents are not allowed to watch any rehearsals until given permission to do so.", None,
     Verdict.needs_permission),
    ("It is not okay to just not show up for a rehearsal.", None, Verdict.required),
    ("Please inform an Organizer if you cannot attend a Gaming Event to which you RSVP'd.", None, Verdict.required),
    ("Train at your own pace, and if you should not understand the technique, let an instructor know.", None,
     Verdict.required),
    ("You may be requested to remove your shoes upon entering the Dojo.", None, Verdict.information),
    # words in double quotation marks are someone's, not the rule's
    ("Reassure the child. Things to say: “I’m glad you told me”, “It’s OK to tell”, “You’re brave to tell”.", None,
     Verdict.information),
    ('Things to say: "It is OK to tell".', None, Verdict.information),
    ('Staff must display a "No smoking" sign at each entrance.', None, Verdict.required),
])
def test_clause_verdicts(text, context, verdict):
    assert clause_verdict(text, context) is verdict


@pytest.mark.parametrize("text", ["No one shall be required to work on a bank holiday.",
                                  "No member shall be penalised for raising a concern in good faith."])
def test_what_is_done_to_nobody_rules_out_no_act(text):
    """"No X shall be done" rules the thing out ("No animals shall be brought into the hall"), but not when what is
    done to nobody lifts a duty or protects them."""
    assert clause_verdict(text, None) is not Verdict.prohibited


def test_off_topic_question_abstains(engine):
    answer = engine.ask("How many days of annual leave do I get?")
    assert answer.answered is False
    assert answer.citations == []
    assert answer.verdict is Verdict.information
    assert "don't answer" in answer.verdict_line
    assert answer.contact in answer.verdict_line
    assert answer.contact
    assert answer.warnings == []
    for related in answer.related:  # shown as "closest clauses", never as an answer
        assert related.quote and related.source == POLICY


def test_abstention_names_the_configured_contact_when_no_document_does(engine, tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kitchen.md").write_text("# Kitchen Rules\n\nStaff must wash their own mugs.\n", encoding="utf-8")
    from assistant.settings import Settings

    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", contact="the Office Manager")
    other = PolicyEngine.open(settings, embedder=embedder)
    answer = other.ask("What is the pension contribution rate for part-time teachers?")
    assert answer.answered is False
    assert answer.contact == "the Office Manager"
    assert "the Office Manager" in answer.verdict_line


def test_scope_to_one_document(engine):
    answer = engine.ask("Can I add a pupil as a friend?", scope=POLICY)
    assert answer.scope == [POLICY]
    assert all(c.source == POLICY for c in answer.citations + answer.related)
    globbed = engine.ask("Can I add a pupil as a friend?", scope="glenmere-*")
    assert globbed.scope == [POLICY]
    assert engine.ask("Can I add a pupil as a friend?", scope=[POLICY]).scope == [POLICY]


@pytest.mark.parametrize("scope", ["no-such-policy.md", ["nothing-*.pdf"]])
def test_unknown_scope(engine, scope):
    with pytest.raises(QuestionError, match="No policy matches"):
        engine.ask("Can I add a pupil as a friend?", scope=scope)


@pytest.mark.parametrize("question, message", [
    ("", "Please ask a question"),
    ("   \n\t  ", "Please ask a question"),
    ("?!?", "Please ask a question"),
    ("x" * 100_000, "too long"),
    ("friend\x00\x01\x02\x1b[31m request", "plain text"),
    ("\ufffd\ufffd\ufffd\ufffd", "plain text"),
    (b"Can I add a pupil?", "must be text"),
])
def test_bad_questions(engine, question, message):
    with pytest.raises(QuestionError, match=message) as err:
        engine.ask(question)
    assert "\n" not in str(err.value) and len(str(err.value)) < 200


def test_a_question_not_in_english_is_told_so(engine):
    with pytest.raises(QuestionError, match="I can only answer questions in English"):
        engine.ask("Puis-je accepter une demande d'ami d'un parent sur Facebook ?")


def test_the_example_in_error_messages_comes_from_settings(engine):
    other = _engine_on(engine, example_questions=["How do I book a meeting room?"])
    with pytest.raises(QuestionError, match="How do I book a meeting room") as err:
        other.ask("?!?")
    assert "friend" not in str(err.value)


@pytest.mark.parametrize("question", ["Is this policy still current?", "Who owns it?", "When was it last reviewed?"])
def test_questions_about_the_policy_itself_are_answered_from_its_metadata(engine, question):
    answer = engine.ask(question)
    assert answer.answered and answer.verdict is Verdict.information
    line = answer.verdict_line
    assert line.startswith(TITLE) and "last reviewed in June 2023" in line and "June 2024" in line
    assert "past its review date" in line and "the Headteacher" in line and "Headteacher" in line
    [review] = answer.citations  # the review lines, quoted from the document
    assert "Next Review Due" in review.quote and "June 2024" in review.quote
    text = engine.document(POLICY).text
    assert all(text[a - engine.document(POLICY).offset:b - engine.document(POLICY).offset].strip()
               for a, b in review.spans)
    assert not answer.warnings  # the status line already says it is overdue: said once


def test_a_policy_that_states_only_its_date_says_so_when_asked_if_it_is_current(tmp_path, embedder):
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "visitors.md").write_text("# Visitors Policy\n\nI will not allow any visitors to take my minded "
                                        "children to the toilet or to change their nappies.\n\nDate: 07/06/2014\n",
                                        encoding="utf-8")
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", db_path=tmp_path / "db",
                        today=date(2026, 11, 28), contact="Karlie")
    policy = PolicyEngine.open(settings, embedder=embedder)
    status = policy.ask("Is this policy still current?")
    assert status.verdict_line == "Visitors Policy is dated 7 June 2014. It names no owner; ask Karlie."
    assert [c.quote for c in status.citations] == ["Date: 07/06/2014"]
    visit = policy.ask("Can a visitor change a baby's nappy?")
    assert all("07/06/2014" not in c.quote for c in visit.citations + visit.related)
    [listed] = policy.documents()
    assert listed.review_label == "no review date (dated 7 June 2014)"


def test_a_published_pdf_is_known_overdue_from_its_cover_sheet(tmp_path, embedder):
    """A school's PDF states its review dates only in its cover sheet's table: the answer says the policy is
    past its review date, quotes that row, and names the owner it gives."""
    from published import publish_cover_sheet

    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    publish_cover_sheet(corpus / "safeguarding.pdf", [["Author", "Headteacher", "Date", "March 2020"],
                                                      ["Date of next review", "Headteacher", "", "Summer 2021"]],
                        "Staff must report any concern about a child's safety to the Designated Safeguarding "
                        "Lead on the same day.")
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", db_path=tmp_path / "db",
                        today=date(2026, 11, 25))
    policy = PolicyEngine.open(settings, embedder=embedder)
    status = policy.ask("Is this policy still current?")
    assert "was due for review in Summer 2021" in status.verdict_line
    assert "past its review date" in status.verdict_line and "Its owner is Headteacher." in status.verdict_line
    # the cover table's rows are quoted apart, each cell a line
    assert [c.quote for c in status.citations] == [
        "Author\nHeadteacher\nDate\nMarch 2020\n\nDate of next review\nHeadteacher\nSummer 2021"]
    answer = policy.ask("Who must staff report a concern about a child's safety to?")
    assert answer.answered and "Designated Safeguarding Lead" in answer.citations[0].quote
    assert [w for w in answer.warnings if "Summer 2021" in w], answer.warnings


def test_a_policy_not_yet_due_says_so(engine):
    answer = _engine_on(engine, today=date(2024, 1, 10)).ask("Is this policy still current?")
    assert "is next due for review in June 2024" in answer.verdict_line
    assert "within its review period" in answer.verdict_line


def test_question_is_echoed_as_asked_and_searched_tidied(engine):
    messy = "  Can I add\na pupil\tas a friend?  "
    answer = engine.ask(messy)
    assert answer.question == messy  # batch callers pair answers with their questions by this text
    tidy = engine.ask("Can I add a pupil as a friend?")
    assert [c.quote for c in answer.citations] == [c.quote for c in tidy.citations] and answer.citations


def test_emoji_read_as_the_pauses_they_stand_for(engine):
    """Staff type emoji, and Slack sends them as ":name:": they read as a pause, never as words to search."""
    plain = engine.ask("just joined the staff, can I add a pupil as a friend on Facebook?")
    assert plain.verdict is not Verdict.information
    for typed in ("just joined the staff 🎉 can I add a pupil as a friend on Facebook?",
                  "just joined the staff :tada::skin-tone-2: can I add a pupil as a friend on Facebook :thinking_face:?"):
        answer = engine.ask(typed)
        assert answer.question == typed
        assert (answer.verdict, [c.quote for c in answer.citations]) == (plain.verdict, [c.quote for c in plain.citations])
    with pytest.raises(QuestionError, match="Please ask a question"):
        engine.ask("👍 :tada:")


def test_long_question_near_the_limit_is_fine(engine):
    question = ("Can I add a pupil as a friend? " * 200)[: engine.settings.max_question_chars]
    assert engine.ask(question).question


def test_quotes_are_at_most_sixty_words(engine):
    for question in ["What kind of information do we put on social media?", "What is social media?",
                     "What happens if I break the code of conduct?", "Can parents take photographs?"]:
        answer = engine.ask(question)
        for citation in answer.citations + answer.related:
            assert len(citation.quote.split()) <= 60


def test_citations_do_not_overlap(engine):
    answer = engine.ask("What must staff not do on social networking sites?")
    ids = [c.clause_id for c in answer.citations]
    assert len(ids) == len(set(ids))
    spans = [(c.start, c.end) for c in engine.index.clauses if c.id in ids]
    for a in spans:
        for b in spans:
            assert a == b or a[1] <= b[0] or b[1] <= a[0]


def test_lookup_pages_through_clauses(engine):
    first = engine.lookup("friends", k=2)
    second = engine.lookup("friends", k=2, offset=2)
    assert len(first) == len(second) == 2
    assert not {c.clause_id for c in first} & {c.clause_id for c in second}


def test_documents_listing(engine):
    (status,) = engine.documents()
    assert status.source == POLICY and status.title == TITLE
    assert status.contact == "the Headteacher" and status.last_reviewed == "June 2023"
    assert status.review_due == "June 2024" and status.overdue
    assert status.clauses == sum(1 for c in engine.index.clauses if c.source == POLICY)
    assert engine.contact_for(POLICY) == "the Headteacher"
    assert engine.contact_for("missing.md") == engine.settings.contact


def test_a_short_list_is_quoted_whole_one_item_a_line(engine):
    answer = engine.ask("What happens if I breach the social networking code of conduct?")
    listed = next(c for c in answer.citations if "fully investigated" in c.quote)
    lines = listed.quote.split("\n")
    assert lines[0] == "- Any breaches of this policy will be fully investigated."  # every item keeps its marker
    assert len(lines) == 3 and all(line.startswith("- ") for line in lines)
    assert "serious disciplinary offence" in lines[2]
    assert listed.context.startswith("In instances where there has been a breach")
    document = engine.document(listed.source).text
    assert fold(listed.quote) in fold(document)
    # the list is cited once, not once per item
    assert sum("fully investigated" in c.quote for c in engine.lookup("breach of the code", k=6)) == 1


def test_long_lists_are_quoted_item_by_item(engine):
    answer = engine.ask("Can I add a pupil as a friend on my personal account?")
    item = next(c for c in answer.citations if "add pupils" in c.quote)
    assert "\n" not in item.quote and item.quote.startswith("Staff must never add pupils")


NEIGHBOURS = """# Staff Leave Policy

## Jury service

When you are called for jury service, your absence is recorded as court leave.

Court leave does not count against your annual leave balance.

## Working from home

Staff who work from home must keep school laptops locked when unattended, must not let family members use them, and must report any loss or theft of equipment to the school business manager on the same day.

Staff who work from home should agree their hours with their line manager in advance, keep their calendar up to date, and stay reachable by phone and email during the hours that they have agreed.

## Parking

Staff may park in the north car park.

## Expenses

Staff can claim travel expenses for school trips.

---

Travel expense claims must be submitted within 30 days of the school trip.
"""


def test_neighbouring_clauses_that_both_match_are_quoted_together(tmp_path, embedder):
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "leave.md").write_text(NEIGHBOURS, encoding="utf-8")
    engine = PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"),
                               embedder=embedder)
    top = engine.ask("Does jury service come out of my annual leave?").citations[0]
    assert top.section == "Jury service"
    assert top.quote.split("\n") == ["When you are called for jury service, your absence is recorded as court leave.",
                                     "Court leave does not count against your annual leave balance."]
    # two neighbours that would make a quote of more than 60 words stay separate citations
    answer = engine.ask("What are the rules for staff who work from home?")
    home = [c for c in answer.citations if c.section == "Working from home"]
    assert len(home) == 2 and all("\n" not in c.quote and len(c.quote.split()) <= 60 for c in home)
    # only white space or a list marker may stand between joined clauses, never a rule line
    answer = engine.ask("Can I claim travel expenses for a school trip, and by when?")
    assert any("30 days" in c.quote for c in answer.citations)
    assert not any("---" in c.quote for c in answer.citations + answer.related)


def test_a_question_naming_what_the_policy_never_mentions_lacks_a_rare_word(engine):
    # the same shape of question, once about the policy's own subject and once about a thing it never names
    named = engine.evidence_for("Can I add a pupil as a friend on Facebook?")
    unnamed = engine.evidence_for("Can I claim a mileage allowance for driving to a sabbatical?")
    assert named.missing < unnamed.missing == 1.0  # "mileage" and "sabbatical" stand nowhere in the policy
    assert 0.0 <= named.coverage <= 1.0 and named.coverage > unnamed.coverage
    assert engine.ask("Can I add a pupil as a friend on Facebook?").answered
    assert not engine.ask("Can I claim a mileage allowance for driving to a sabbatical?").answered


def test_only_what_a_question_asks_can_be_missing_from_its_answer(engine):
    """The chat around a question names things no policy does ("tripped over my dog's lead on the school run"): a
    word of it missing from the passage says nothing about whether the passage answers. Only the words of the part
    that asks count; a thing asked about that the policy never names still does."""
    chatty = engine.evidence_for("I tripped over my dog's lead on the school run this morning. Can I add a pupil as a "
                                 "friend on Facebook?")
    plain = engine.evidence_for("Can I add a pupil as a friend on Facebook?")
    assert chatty.missing == plain.missing < 1.0
    asked = engine.evidence_for("I tripped over my dog's lead this morning. Can I claim a mileage allowance?")
    assert asked.missing == 1.0  # "mileage" is asked, and stands nowhere in the policy


@pytest.mark.parametrize("framed", ["Am I supposed to add a pupil as a friend on Facebook?",
                                    "Is it alright to add a pupil as a friend on Facebook?",
                                    "Am I meant to add a pupil as a friend on Facebook?"])
def test_the_frame_of_asking_for_a_rule_is_never_missing_from_its_answer(engine, framed):
    """"supposed", "alright" and "meant" ask for a rule as "allowed" and "ok" do; a policy seldom writes them, so read
    as topical words they would leave every answer short of its rarest word."""
    plain = engine.retriever.search("Can I add a pupil as a friend on Facebook?")
    framed_missing = {hit.position: hit.missing for hit in engine.retriever.search(framed)}
    compared = [(hit.missing, framed_missing[hit.position]) for hit in plain if hit.position in framed_missing]
    assert compared and all(asked == framing for asked, framing in compared)


@pytest.mark.parametrize("then, verdict", [
    ("Please get approval from Finance before purchasing a new computer.", Verdict.information),
    ("Most people choose a laptop with plenty of memory for their work.", Verdict.permitted),
])
def test_no_permission_is_stated_when_the_rest_of_its_paragraph_limits_it(tmp_path, embedder, then, verdict):
    """A long paragraph is quoted in part: "You can upgrade at any time" with its condition left out."""
    middle = ("You can choose the model and specs, within reason and considering the demands of your role, "
              "and the team will order it for you so that it arrives before your first day of work here.")
    engine = _engine_over(tmp_path, embedder, "# Benefits\n\n## Computer Policy\n\nWe order a new computer for "
                          "everyone we hire. " + middle + " You can upgrade your computer at any time when yours "
                          "breaks or gets too old. " + then + "\n\n## Travel\n\nBook flights through the travel desk.\n")
    answer = engine.ask("Can I upgrade my computer when it gets too old?")
    assert answer.answered and "You can upgrade your computer" in answer.citations[0].quote
    assert then not in answer.citations[0].quote  # the paragraph is over the quote's limit
    assert answer.verdict is verdict
    limited = verdict is Verdict.information  # the condition is shown with the quote it limits, never hidden
    assert [c.quote for c in answer.shown][1:] == ([then] if limited else [])
    assert answer.held_back == answer.citations[len(answer.shown):]


def _engine_over(tmp_path, embedder, text: str) -> PolicyEngine:
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.md").write_text(text, encoding="utf-8")
    return PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=embedder)


def test_items_under_a_heading_that_rules_them_out_are_read_under_it(tmp_path, embedder):
    engine = _engine_over(tmp_path, embedder, (
        "# Moonlighting\n\n## OK\n\n1. Teach a class at a local college.\n2. Write a book about your hobby.\n\n"
        "## Not OK\n\n1. Consult for other companies in our industry.\n2. Start a business that competes with us.\n"))
    answer = engine.ask("Do I have to get permission to consult for other companies in our industry?")
    assert answer.citations[0].where == "Moonlighting › Not OK"
    assert answer.verdict is Verdict.prohibited  # the item alone states no rule: its heading does


def test_items_under_a_heading_about_handling_what_is_ruled_out_are_not_ruled_out(tmp_path, embedder):
    engine = _engine_over(tmp_path, embedder, (
        "# Unacceptable actions\n\n## Managing unacceptable actions by callers\n\n"
        "Council staff will end telephone calls if the caller is aggressive, abusive or offensive.\n\n"
        "## Meetings\n\nMeetings are held on the first Monday of the month in the village hall.\n"))
    answer = engine.ask("A caller is being abusive to me on the phone, can I end the telephone call?")
    assert answer.answered and answer.citations[0].where.endswith("Managing unacceptable actions by callers")
    assert answer.verdict is Verdict.information  # the heading names what is done about such calls


def test_a_quote_cut_from_a_longer_sentence_says_so_outside_its_quotation_marks(tmp_path, embedder):
    clauses = ", ".join(f"or perform duty number {n} for another company" for n in range(1, 14))
    engine = _engine_over(tmp_path, embedder, "# Handbook\n\n## Side jobs\n\nIn absence of written consent from "
                          f"the CEO, the employee should not take up other employment {clauses}.\n\n"
                          "## Hours\n\nStaff work from 9am to 5pm on weekdays.\n")
    answer = engine.ask("Do I need consent from the CEO to take up other employment?")
    first = answer.citations[0]
    assert first.quote.startswith("In absence of written consent") and not first.quote.endswith(".")
    assert (first.cut_before, first.cut_after, first.in_part) == (False, True, "part of a longer sentence")
    assert "\u201d\u2026" in answer_text(answer)  # the mark stands outside the quotation marks
    whole = engine.ask("What are the working hours on weekdays?").citations[0]
    assert whole.quote == "Staff work from 9am to 5pm on weekdays." and not (whole.cut_before or whole.cut_after)


def test_a_short_list_is_quoted_from_the_sentence_leading_into_it(tmp_path, embedder):
    """The sentence leading into a list says what its items are, and is often the answer itself: a list quoted
    whole that fits with it within the quote's limit is quoted from it; a longer one shows it as context. Its rule
    is read as before."""
    long = "\n".join(f"- Drive a minibus on route {n} with the children of the after-school club" for n in range(1, 8))
    engine = _engine_over(tmp_path, embedder, (
        "# Security\n\n## Training\n\nAll personnel complete annual security training, which covers:\n\n"
        "- Recognising phishing\n- Handling sensitive data\n- Reporting incidents\n\n"
        "## Smoking\n\nVaping is not permitted in the following places:\n\n- company cars\n- the car park\n\n"
        "## Driving\n\nStaff who hold a D1 licence may be asked to help with the following:\n\n" + long + "\n\n"
        "## Records\n\nEmployees are responsible for keeping their personnel records accurate and up to date at all "
        "times. Please notify HR of any changes to:\n\n- Home address or the postal address where letters reach you\n"
        "- Bank details used to pay your salary each month\n- Emergency contact name and telephone number\n"
        "- Legal name or identification details held on file\n"))
    training = engine.ask("How often do we have to do the security training?").citations[0]
    assert training.quote == ("All personnel complete annual security training, which covers:\n- Recognising "
                              "phishing\n- Handling sensitive data\n- Reporting incidents")
    assert training.context is None  # shown once, inside the quote
    vaping = engine.ask("Can I vape in the car park?")
    assert vaping.citations[0].quote.startswith("Vaping is not permitted in the following places:")
    assert vaping.verdict is Verdict.prohibited
    driving = engine.ask("Which minibus routes might I be asked to drive with a D1 licence?").citations[0]
    assert driving.quote.startswith("- Drive a minibus") or driving.quote.startswith("Drive a minibus")
    assert driving.context == "Staff who hold a D1 licence may be asked to help with the following:"
    # the lead-in is the last sentence of a paragraph quoted as one clause: that sentence alone opens the quote,
    # unless the paragraph is quoted beside it
    quoter = engine.quoter
    doc = engine.document("policy.md")
    position, item = next((n, c) for n, c in enumerate(engine.retriever.index.clauses) if c.text.startswith("Home address"))
    start, end = list_lines(doc.text, *quoter.span_of(position, item))
    assert shown(doc.text, quoter.lead_in_start("policy.md", start, end, []), end).text.startswith(
        "Please notify HR of any changes to:\n- Home address")
    paragraph = next(c for c in engine.retriever.index.clauses if c.text.startswith("Employees are responsible"))
    assert quoter.lead_in_start("policy.md", start, end, [("policy.md", paragraph.start, paragraph.end)]) == start


def test_a_sentence_that_says_nothing_is_never_quoted(tmp_path, embedder):
    # a link's "See here." or a form's "Signed:" hold no word that answers; a one-word list item stands under its
    # lead-in and may still be quoted
    engine = _engine_over(tmp_path, embedder, (
        "# Code of conduct\n\n## Where it applies\n\nSee [here](https://example.org/coc).\n\n"
        "Lab members are expected to abide by this code at conferences, workshops and lab dinners.\n\n"
        "## Protected characteristics\n\nWe do not discriminate on the grounds of:\n\n- Age\n- Race\n\n"
        "## Sign-off\n\nSigned:\n\nDated:\n\n**Home Phone #___________________ Work Phone #__________________**\n\n"
        "I, ____________, agree to abide by this code of conduct.\n"))
    quoted = [c.quote for q in ("Does the code of conduct still count at a conference dinner?", "Code of conduct?",
                                "Who signed the code and when?", "Can I be treated differently because of my age?",
                                "Can I give my home phone number?")
              for c in engine.ask(q).citations + engine.ask(q).related + engine.lookup(q, k=10)]
    assert quoted and not any(junk in q for q in quoted for junk in ("See here", "Signed:", "Dated:", "Home Phone"))
    assert any(q.endswith(", agree to abide by this code of conduct.") for q in quoted)  # a sentence with a blank
    assert "We do not discriminate on the grounds of:\n- Age\n- Race" in quoted  # a short list is quoted whole
