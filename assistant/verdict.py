"""Read a verdict from a clause's own wording: "must not" -> prohibited, and so on.

Patterns are general English rule phrasing, checked most specific first: a permission condition
("without written prior permission", "unless agreed") outranks a prohibition, and "advised not to"
outranks the plain "not" of a prohibition. A list item with no rule words of its own takes the rule
of the sentence that introduces its list ("The following are not considered acceptable:").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .models import Verdict
from .text import MODAL_WORDS, stem, tokens

_W = r"(?:[\w'’/-]+\s+){0,4}?"
# Where an imperative sentence's verb may stand: at its start, after a sentence adverb ("Also use ...")
# or after a fronted adverbial clause ("To limit this risk, use ..."; "If you are ill, tell ...").
# (after a label: "Red lanyard: Do not take my photo")
_OPENING = (r"^\s*(?:[^:;,.!?\n]{1,40}:\s+)?(?:(?:if|when|whenever|before|after|once|while|to|for|in|as|during)\b"
            r"(?:[^,;:()]|\([^()]{0,60}\)){1,80},\s*)?"
            r"(?:(?:please|also|then|instead|first|just|so|and|but|always|now)\s+)*")
# A verb at the start of a sentence, not a noun of the same spelling ("Use of the logo", "Report templates are").
_NOT_NOUN = r"(?!\s+(?:\w+\s+)?(?:of|is|are|was|were|has|have|will|can|may|should|must)\b)"
# "should expect to progress", "should anticipate a reply": what is likely to happen, not a duty; "it should be
# considered compromised": how a thing is to be regarded, no act laid on anyone
_NOT_EXPECTING = r"(?!\s+(?:\w+\s+)?(?:expect|anticipate|be\s+(?:considered|deemed|regarded|presumed|assumed))\b)"
# "lab members should be able to create a schedule that suits them": what they may expect, not a duty
_NOT_ENTITLED = r"(?!\s+(?:\w+\s+)?be\s+able\s+to\b)"
_TOLD = (r"(?!\s+(?:\w+\s+)?be\s+(?:\w+\s+)?(?:notified|informed|told|given|sent|provided|offered|invited|consulted"
         r"|reminded|advised)\b)")
# a "cannot" or "should not" of a condition or of a clause saying who ("… if you cannot attend", "if you should not
# understand the technique", "staff who cannot attend"), not the rule's
_NOT_IF = "".join(rf"(?<!\b{w}\s{p}\s)" for w in ("if", "unless", "when") for p in ("you", "they", "we", "i", "he", "she")) + \
    r"(?<!\bwho\s)"
# the people a policy speaks to or of, as it names them: whose "may" gives leave ("Volunteers may bring mobile phones")
_PEOPLE = (r"(?:(?:the|a|an|each|any|every)\s+)?(?:staff|employees?|members?|parents?|carers?|pupils?|students?|volunteers?"
           r"|guests?|visitors?|children|users?|tenants?|residents?|contractors?|hirers?|participants?|players?|riders?"
           r"|coaches|coach|leaders?|officers?|trustees?|directors?|workers?|interns?|trainees?|candidates?|applicants?"
           r"|drivers?|operators?|instructors?|tutors?|teachers?|managers?|supervisors?|chaperones?|campers?|patrons?"
           r"|customers?|clients?|owners?|renters?|borrowers?|presenters?|performers?|crew|colleagues?|team\s+members?"
           r"|partners?|associates?|affiliates?|fellows?|researchers?|lecturers?|faculty|personnel|individuals?|persons?"
           r"|people)")
_PATTERNS: list[tuple[Verdict, list[str]]] = [
    (Verdict.needs_permission, [
        # "Parents are not allowed to watch any rehearsals until given permission to do so"
        r"\buntil\s+(?:they\s+(?:are|have\s+been)\s+|you\s+(?:are|have\s+been)\s+)?(?:given|granted|receiving|obtaining)\s+"
        r"(?:\w+\s+)?(?:permission|approval|consent|authori[sz]ation)\b",
        rf"\bwithout\s+{_W}(?:pre-?)?(?:permission|approval|consent|authori[sz]ation|agreement)\b",
        # "it's okay to take a few days in advance, as long as it's approved beforehand"
        # ("provided" as the conjunction, not the verb: "must be provided before approval of your reservation")
        r"\b(?:(?:as|so)\s+long\s+as|(?<!\bbe\s)(?<!\bbeen\s)(?<!\bbeing\s)(?<!\bis\s)(?<!\bare\s)(?<!\bwas\s)"
        r"(?<!\bwere\s)(?<!\bhas\s)(?<!\bhave\s)(?<!\bhad\s)provided(?:\s+that)?|providing(?:\s+that)?"
        r"|on\s+(?:the\s+)?condition\s+that)\s+"
        r"[^.;]{0,60}?\b(?:(?:pre-?)?(?:approved|authori[sz]ed|signed\s+off|cleared)|permission|approval|consent"
        r"|authori[sz]ation|sign[- ]off)\b",
        rf"\bin\s+(?:the\s+)?absence\s+of\s+{_W}(?:permission|approval|consent|authori[sz]ation|agreement)\b",
        rf"{_OPENING}(?:get|obtain|seek|request|ask\s+for)\s+{_W}(?:permission|approval|authori[sz]ation|consent|sign[- ]off)\b",
        # ... not "unless using a company-approved VPN", where the word names a kind of thing
        r"\bunless\b[^.;]{0,120}(?<!-)(?<!\ba\s)(?<!\ban\s)(?<!\bthe\s)(?<!\bany\s)(?<!\byour\s)(?<!\bour\s)"
        r"\b(?:agreed|approved|authori[sz]ed|permission|approval|authori[sz]ation|permitted|consent|sign(?:ed)?[- ]off)\b",
        rf"\b(?:requires?|need|needs|(?:must|should|shall|will\s+need\s+to|needs?\s+to|ha(?:ve|s)\s+to)\s+(?:first\s+)?"
        rf"(?:get|obtain|seek|have|receive|request|ask\s+for)|subject\s+to)\s+{_W}(?:permission|approval|authori[sz]ation|consent|sign[- ]off)\b",
        rf"\bwith\s+(?:the\s+)?{_W}(?:permission|approval|consent|agreement|authori[sz]ation)\s+(?:of|from)\b",
        r"\b(?:check|clear|agree)\s+(?:it\s+)?with\s+[^.;]{0,60}\b(?:first|beforehand|before|in advance)\b",
        # "When approved you can purchase the subscription": what may be done once approved needs the approval
        r"\b(?:when|once|if|after|upon)\s+(?:it\s+is\s+|it['’]s\s+|this\s+is\s+|that\s+is\s+|you\s+are\s+|they\s+are\s+)?"
        r"(?:pre-?)?(?:approved|authori[sz]ed|signed\s+off|cleared)\b",
        # "members can approach the TC to waive the wait": asking someone to waive or approve it is asking leave
        rf"\b(?:approach|ask|apply\s+to|petition|appeal\s+to|request)\s+{_W}to\s+(?:waive|approve|grant|allow|exempt"
        rf"|authori[sz]e)\b",
        r"\b(?:must|should|shall|needs?\s+to|ha(?:ve|s)\s+to)\s+be\s+(?:[^.;]{0,60}?\s)?(?:pre-?)?(?:approved|authori[sz]ed|agreed|signed\s+off|cleared)\b",
        # what someone else decides: "at the discretion of the company", "at the Headteacher's discretion", "we may
        # exercise our discretion to grant …" (not the reader's own: "left to staff discretion", "at your discretion")
        r"\b(?:at|subject\s+to)\s+(?:the\s+)?(?:sole\s+|absolute\s+|full\s+)?discretion\s+of\b",
        r"\b(?:at|subject\s+to)\s+(?:the\s+)?(?!(?:your|their|his|her|one['’]s|staff|employee['’]?s?|individual)\b)"
        r"[\w'’]+['’]s?\s+(?:sole\s+|absolute\s+|full\s+|own\s+)?discretion\b",
        r"\b(?:our|its)\s+(?:sole\s+|absolute\s+|full\s+)?discretion\b",
        # "This time off will be considered by the CEO on a case-by-case basis": someone decides each request
        r"\b(?:considered|reviewed|decided|assessed|approved|determined|granted|permitted|allowed|agreed)\s+"
        r"(?:(?:by|with)\s+(?:[\w'’]+\s+){1,4}?)?on\s+a\s+case[- ]by[- ]case\s+basis\b",
    ]),
    (Verdict.advised_against, [
        r"\b(?:strongly\s+)?(?:advised|recommended|encouraged|urged)\s+not\s+to\b",
        r"\b(?:advise|recommend|encourage|urge)s?\s+(?:you|staff|employees|members|everyone|people)\s+not\s+to\b",
        r"(?:\b(?:is|are)|['’]s)\s+(?:strongly\s+|actively\s+|officially\s+|normally\s+|generally\s+)?discouraged\b",
        # "We discourage distributing word docs", "we suggest strongly discouraging it" (not "try to discourage or
        # encourage specific behaviors")
        r"\b(?:we|i)\s+(?:(?:strongly|actively|generally|would)\s+)?discourage\b(?!\s+(?:or|and)\b)",
        r"\b(?:suggest|recommend)\s+(?:strongly\s+)?discouraging\b",
        r"\bnot\s+(?:recommended|advisable|advised)\b", r"\b(?:best|wise)\s+to\s+avoid\b",
        r"\bought\s+not\b", rf"{_OPENING}(?:(?:try|learn|aim|strive|seek)\s+to\s+)?avoid\b{_NOT_NOUN}",
        r"\b(?:take\s+care|be\s+careful|careful)\s+not\s+to\b",
    ]),
    (Verdict.prohibited, [
        # "should not" rules out: of the gold clauses saying it in the 77 sets at hand, their readers ruled 13 "not allowed"
        # and 6 "advised against" (in the 173 sets of 2026-11-28, 34 and 15)
        # ("do not hesitate to ask" invites: below)
        rf"{_NOT_IF}\bshould\s+not\b(?!\s+(?:expect|hesitate)\b)", rf"{_NOT_IF}\bshouldn['’]?t\b(?!\s+(?:expect|hesitate)\b)",
        # "A live DJ or guest should NEVER swear on-air" (not "you should never have to work unpaid")
        r"\b(?:should|shall)\s+never\b(?!\s+(?:have|has|need|needs)\s+to\b|\s+(?:expect|hesitate)\b)",
        r"\bmust\s+not\b", r"\bmustn['’]?t\b", r"\bmust\s+never\b", r"\bshall\s+not\b", r"\bmay\s+not\b",
        r"\b(?:can|may|must|shall|should|will)\s+neither\b",  # "Employees can neither apply for … nor …"
        # ("TAs are not to be required to purchase food" denies a duty: below)
        # (not in a condition or a clause about who, after the rule: "Please inform an Organizer if you cannot attend")
        rf"{_NOT_IF}\bcannot\b", rf"{_NOT_IF}\bcan['’]?t\b", rf"{_NOT_IF}\bcan\s+not\b",
        r"\b(?:are|is)\s+not\s+to\b(?!\s+be\s+(?:required|expected|obliged|made|forced|compelled|asked)\s+to\b)",
        r"\b(?:not|never)\s+(?:be\s+)?(?:permitted|allowed|acceptable|tolerated|ok|okay)\b", r"\bnot\s+considered\s+acceptable\b",
        r"\b(?:is|are|was|were)n['’]t\s+(?:ever\s+)?(?:permitted|allowed|acceptable|tolerated|ok|okay)\b",  # "Meat isn't allowed"
        r"\b(?:is|are)\s+(?:strictly\s+)?(?:prohibited|forbidden|banned)\b", r"\bprohibited\b",
        r"\bunder\s+no\s+circumstances?\b", r"\bin\s+no\s+case\b", r"\bat\s+no\s+time\b",
        # "we do not accept liability for …" rules nothing on staff
        r"\b(?:(?:will|do|does|shall)(?:\s+not|n['’]?t)|won['’]?t)\s+(?:tolerate|allow|accept|permit)\b"
        r"(?!\s+(?:any\s+)?(?:liability|responsibility))", r"\bunacceptable\b",
        # "Accepting tips while on duty as a cashier is violation of company policy"
        r"\b(?:is|are|constitutes?|would\s+be)\s+(?:a\s+)?(?:violation|breach|contravention)\s+of\b",
        # … 'No "off - the-clock" work is ever permitted'
        # "No taxi expense claims will be reimbursed" (not "no more than two claims are reimbursed", a limit)
        # ... the "no" of the subject, not of a thing it has ("rings with no stones are permitted")
        r"(?<!\bwith\s)(?<!\bwithout\s)(?<!\bhas\s)(?<!\bhave\s)(?<!\bhaving\s)(?<!\bof\s)"
        r"\bno\s+(?!(?:more|less|fewer|later|longer|earlier|sooner|\w+er)\s+than\b)(?:[\w'’\"“”-]+\s+){1,4}(?:is|are|will\s+be"
        r"|may\s+be)\s+(?:ever\s+)?(?:permitted|allowed|accepted|tolerated|reimbursed|refunded|covered|paid\s+for)\b",
        # "No animals shall be brought into the hall", "No reference should be made to pupils": the "no" of the subject,
        # with what is done to it ("No member shall be penalised for …" protects, and "no one shall be required to …"
        # lifts a duty: neither rules out an act)
        r"(?<!\bwith\s)(?<!\bwithout\s)(?<!\bhas\s)(?<!\bhave\s)(?<!\bhaving\s)(?<!\bof\s)"
        r"\bno\s+(?!(?:more|less|fewer|later|longer|earlier|sooner|\w+er)\s+than\b)(?:[\w'’\"“”-]+\s+){1,4}"
        r"(?:shall|should|must|may|can|will|is\s+to|are\s+to)\s+(?:ever\s+|at\s+any\s+time\s+)?be\s+"
        r"(?!(?:required|expected|obliged|asked|forced|compelled|penali[sz]ed|disciplined|dismissed|punished"
        r"|victimi[sz]ed|disadvantaged|discriminated|subjected|charged|denied|refused|treated|liable|held|deemed"
        r"|considered|regarded|entitled|eligible|paid|given|offered|needed|necessary)\b)[a-z]+(?:ed|en|ght|de|wn|ne|rn|lt|pt)\b",
        # "you are not able to take a client laptop outside of the UK" (not a condition: "if they are not able to collect
        # the child, they must …", "staff who are not able to attend must …")
        r"(?:^|[,;:.!?]\s*)(?:(?!\b(?:if|when|whenever|unless|where|who|that|because|since)\b)[^,;:.!?])*?"
        r"\b(?:are|is|am|be|will\s+be)\s+not\s+able\s+to\b",
        # "No member may belong to another squad", "No member can be a Head of Department more than twice" (not "no one
        # shall be required to …", which lifts a duty, nor "no member shall be penalised for …", which protects)
        rf"\bno\s+(?:one|{_PEOPLE})\s+(?:may|can|shall|should|must)\b(?!\s+be\s+(?:[a-z]+ed|[a-z]+en|held|made|paid)\b)",
        r"\bthere\s+(?:shall|must|is\s+to|are\s+to)\s+be\s+no\b",  # "There shall be no voting by proxy."
        r"\b(?:will|does|do|shall|can)(?:\s*not|n['’]?t)\s+(?:pay|reimburse|cover|fund|refund)\b",
        r"\b(?:is|are)\s+not\s+(?:reimbursable|reimbursed|refundable|covered)\b",
        # "travel to and from home is not eligible for …", "are no longer considered eligible for"
        r"\b(?:not|no\s+longer)\s+(?:be\s+)?(?:(?:considered|deemed|regarded\s+as)\s+)?(?:eligible|entitled)\s+(?:for|to)\b",
        r"\bineligible\s+(?:for|to)\b",
        r"\bnot\s+(?:\w+\s+)?free\s+to\b",  # "you are not free to take incentive shifts"
        r"\b(?:staff|employees|you|we|they)\s+(?:must\s+|should\s+)?never\b(?!\s+(?:have|has|need|needs)\s+to\b)"
        r"(?!\s+(?:ask|require|request)\s+(?:\w+\s+)?for\b)",  # "we never ask for …" denies a need (below)
        # "Do not expect responses on weekends" tells what others will not do: no rule on the reader's own acts
        rf"{_OPENING}(?:do\s+not|don['’]?t|never)\b(?!\s+(?:have|need)\s+to\b)(?!\s+(?:expect|anticipate|hesitate)\b)",
        # "It is not possible to take a vacation before …"; "if it is not possible to attend, …" sets a condition
        r"(?<!if\s)(?<!when\s)(?<!where\s)(?<!unless\s)\bit(?:\s+is|['’]s)\s+not\s+possible\s+(?:for\s+\w+\s+)?to\b",
    ]),
    # an obligation denied is a permission ("face-to-face attendance is not mandatory"), read before
    # the obligation words it contains
    (Verdict.permitted, [
        r"\bnot\s+a\s+(?:pre-?requisite|precondition)\s+(?:for|to|of)\b",  # "Membership … is not a prerequisite to eligibility"
        # leave the organisation or its policy gives: "The company policy allows casual dressing on every Friday"
        r"(?<!\bnot\s)(?<!\bwhilst\s)(?<!\bwhile\s)(?<!\balthough\s)(?<!\bthough\s)"  # ("Whilst we allow siblings …, we …")
        r"\b(?:we|policy|polic(?:y|ies)|rules|(?:the|our)\s+(?:company|club|school|organi[sz]ation|society"
        r"|association|charity|library|council|university|college|trust|committee|board|management))\s+(?:also\s+|will\s+"
        r"|generally\s+|usually\s+)?(?:allows?|permits?)\b(?!\s+(?:us|itself|for)\b)",
        # what may be done with a thing: "Dinner may be claimed if you have an overnight stay", "Unused lessons can be
        # refunded with 48-hour notice" (not what may happen to it: "may be affected", "can be lost")
        r"(?<!\bno\s)(?<!\bnot\s)\b(?:may|can)\s+(?:also\s+)?be\s+(?:claimed|spent|used|taken|refunded|reimbursed|brought|worn"
        r"|kept|carried(?:\s+over)?|rolled\s+over|booked|borrowed|parked|stored|accepted|expensed|removed|shared|waived)\b",
        # ... of the reader, not of someone else ("it is not necessary for the agency to visit your home")
        r"\b(?:not|(?:is|are|was|were)n['’]?t)\s+(?:\w+\s+)?(?:mandatory|compulsory|obligatory|required|necessary|obliged)\b"
        r"(?!\s+for\s+(?:the|our|a|an|its|their|his|her|them|us|him|it)\s+(?:[\w'’-]+\s+){0,3}?to\b)",
        r"\b(?:do|does|did)(?:\s+not|n['’]?t)\s+(?:have|need)\s+to\b", r"\bneed(?:\s+not|n['’]?t)\b", r"\bno\s+need\s+(?:to|for)\b",
        # "You don't need a work permit", "staff do not need a doctor's note for one day": a thing said not to be needed
        r"\b(?:you|staff|employees|members|they|we|i)\s+(?:do|does)(?:\s+not|n['’]?t)\s+need\s+(?:a|an|any)\b",
        r"\bnever\s+(?:have|has|need|needs)\s+to\b",
        # "do not hesitate to contact the front desk": an invitation, not a rule against it
        r"\b(?:do\s+not|don['’]?t|never|should\s+not|shouldn['’]?t)\s+hesitate\s+to\b",
        # "there is no obligation to attend in-person meetings", "you are under no obligation to tell him" (not the
        # organisation's: "the Company is under no obligation to approve any request")
        r"\bthere(?:\s+is|['’]s)\s+no\s+(?:obligation|requirement|expectation)\s+(?:for\s+(?:you|staff|employees|anyone)\s+)?to\b",
        # "For the HEP lab clean room, we don't have such a requirement", "there is no such requirement"
        r"\b(?:(?:we|you|they|staff|employees)\s+(?:do|does)(?:\s+not|n['’]t)\s+have|there(?:\s+is|['’]s)\s+no)\s+"
        r"(?:such\s+(?:a\s+)?|this\s+|that\s+|any\s+(?:such\s+)?)(?:requirement|obligation|rule)\b",
        r"\b(?:is|are)\s+not\s+to\s+be\s+(?:required|expected|obliged|made|forced|compelled|asked)\s+to\b",
        r"\b(?:you|staff|employees|members|volunteers|we)\s+(?:are|is)\s+under\s+no\s+obligation\s+to\b",
        # "You are not expected to reply at night", "this is not expected": of people, not of what a project may yield
        r"\b(?:you|staff|employees|members|we|they|anyone|everyone|people|this|that)\s+(?:are|is|am)\s+(?:\w+\s+)?not\s+"
        r"expected\b|\b(?:you|staff|employees|members|we|they|anyone|everyone|people|this|that)\s+(?:aren['’]?t|isn['’]?t)\s+"
        r"expected\b", r"\bnever\s+be\s+(?:required|obliged|expected)\s+to\b",
        r"\b(?:(?:do|does|will)(?:\s+not|n['’]?t)|nor\s+(?:do|does|will)\s+(?:we|they|you|the\s+\w+))\s+(?:ask|expect|require)"
        r"\s+(?:you|staff|employees|anyone|people|members)\s+to\b",
        # ... "no" heading its sentence's subject, not a thing required ("a check with no criminal record is required")
        r"(?:(?<![\w'’]\s)(?<![\w'’]\s[‘'\"“])|(?<=\band\s)|(?<=\bbut\s)|(?<=\bso\s)|(?<=\bthen\s)|(?<=\bthat\s)|(?<=\bwhere\s)|(?<=\bif\s))"
        r"\bno\s+(?:[\w'’-]+\s+){1,3}(?:is|are|will\s+be)\s+(?:required|needed|necessary|mandatory)\b",
        # what the organisation says it never asks for: "we never ask for documentation for …", "we won't ask for a note"
        r"\b(?:we|they)\s+(?:will\s+)?(?:never|(?:do|will)(?:\s+not|n['’]?t)|won['’]?t)\s+(?:ask|require|request)"
        r"\s+(?:(?:you|staff|employees|anyone)\s+)?for\b",
    ]),
    (Verdict.required, [
        # "required to" with a verb "to be" before it: "the training required to meet the Act" names a need
        # ... of people, not where or when an event happens ("Voting shall take place at a Voting Meeting"), nor what
        # others must tell or give them ("Members shall be notified at least one week before"): whose duty that is,
        # the words do not say
        r"\b(?:must|shall)\b(?!\s+(?:only\s+|normally\s+|usually\s+|always\s+)?(?:take\s+place|be\s+held|occur|happen)\b)"
        rf"{_TOLD}",
        r"\b(?:is|are)\s+required\b",
        r"\b(?:is|are)\s+(?:still\s+|also\s+)?payable\b",  # "please note that fees are still payable"
        # "it is the responsibility of the chaperone to stay with that child"
        r"\bit\s+is\s+(?:the\s+)?(?:sole\s+)?responsibility\s+of\s+(?:the\s+|each\s+|every\s+|all\s+)?[\w'’ -]{1,40}?\s+to\b",
        r"\b(?:is|are|am|was|were|be|been|being)\s+(?:\w+\s+)?required\s+to\b", r"\bhave\s+to\b",
        r"\b(?:we|they|the\s+company)\s+(?:will\s+)?require\b",
        r"\bhas\s+to\b", r"\bneeds?\s+to\b", r"\bmandatory\b", r"\bobliged\s+to\b",
        r"\bit\s+is\s+(?:\w+\s+)?(?:essential|vital|imperative|crucial|critical)\s+that\b",  # "It is essential that you …"
        r"\b(?:is|are)\s+(?:still\s+|also\s+|always\s+|all\s+)?expected\s+to\b",
        r"\bensure\s+that\b", r"\blet\s+[^.;]{0,60}\bknow\s+(?:beforehand|in advance|first)\b",
        rf"\bshould\b{_NOT_EXPECTING}{_NOT_ENTITLED}{_TOLD}",
        rf"(?:{_OPENING}|\band\s+please\s+)(?:always|be|do(?!\s+not\b)|use|make\s+sure|ensure|submit|report|return|notify"
        rf"|inform|tell|contact|keep|follow"  # ("… in the cupboard when using them and please return them after the event")
        rf"|send|include|complete|sign|lock|store|wear|record|register|enrol|enroll|provide|maintain|add|remember|refer"
        rf"|get|read|call|update|fill|give|put|treat|communicate|respect|explain|prepare|write|comply|protect|obtain"
        rf"|apply|book|raise|log|save|email|review|share|post)\b(?![-'’]){_NOT_NOUN}",
        rf"{_OPENING}let\s+(?:[\w'’]+\s+){{1,3}}?know\b",  # "please let us know", "Let your manager know"
    ]),
    (Verdict.permitted, [
        # what a thing may do ("as they can cause confusion", "this can lead to delays") is no leave
        # ... nor is what one does "as best one can", "if one can", "where one can"
        # ... nor what nobody may do ("No member may belong to another squad": below)
        r"(?<!\bas\s)(?<!\bbest\s)(?<!\bif\s)(?<!\bso\s)(?<!\bso\sthat\s)(?<!\bwhere\s)(?<!\bwhen\s)(?<!\bwhat\s)(?<!\bthan\s)"
        # ... and, said of people by name, only with what they may do ("faster than a 999 operator can"; "If you need to
        # work from home …, you can." gives leave)
        rf"(?<!\bno\s)\b(?:(?:you|they|he|she|one|we|i|everyone|anyone)\s+(?:may|can|are\s+able\s+to)\b"
        rf"|{_PEOPLE}\s+(?:may|can|are\s+able\s+to)\b(?=\s+\w|\s*[,:]))"  # ("Employees may, for example:" leads in)
        # ... nor what may have happened ("another operator may have beat you to it")
        r"(?!\s+have\b)"
        # ... nor is where one can find or see something ("You can find the links pinned in #chalet"), nor what one
        # gains ("everyone can learn from the conversation")
        r"(?!\s+(?:not|neither|cause|lead|result|create|become|happen|occur|seem|appear|vary|affect|harm|damage|confuse|mislead"
        r"|find|see|view|locate|learn|benefit|enjoy|understand"
        r"|get\s+(?:hurt|injured|sick|ill|killed|lost|stuck|burn(?:ed|t)|cut|hit|wet|cold|tired|confused|upset))\b)"
        # ... nor what may be done to one ("You may be asked to provide a doctor's note", "Employees may be subject to
        # disciplinary action", "You may be provided with office equipment")
        r"(?!\s+(?:also\s+)?be\s+(?:asked|told|contacted|provided|given|issued|offered|assigned|sent|called|invited|expected"
        r"|responsible|accountable|required|needed|present|available|requested"
        r"|subject|liable|held|disciplined|dismissed|terminated|charged|monitored|recorded|audited|searched|investigated"
        r"|suspended|fined|sanctioned|penali[sz]ed|removed|banned|excluded|prosecuted|placed|moved|transferred"
        # ("You may be approached by organizations who want to partner": what may happen to one)
        r"|approached|emailed|messaged|phoned|visited|interviewed|questioned|observed|photographed|filmed|tested|screened"
        r"|inspected|assessed|evaluated|reviewed|selected|chosen|drafted|rostered|scheduled)\b)",
        r"(?:\b(?:is|are)|['’]re)\s+(?:(?!not\b|never\b)\w+\s+){0,2}(?:permitted|allowed|entitled|eligible|welcome)\b",
        r"\bgo\s+ahead\s+and\b", r"\b(?:happy|glad)\s+for\s+(?:you|staff|employees|people|everyone)\s+to\b",
        r"\b(?:is|are|will\s+be)\s+(?:reimbursable|reimbursed|refunded|covered)\b",
        r"(?:\b(?:is|are)|['’](?:s|re))\s+(?:perfectly\s+|completely\s+|totally\s+)?(?:acceptable|fine|okay|ok)\b", r"\bentitled\s+to\b", r"\beligible\s+for\b",
        r"\bfree\s+to\b", r"(?<!if\s)(?<!when\s)(?<!where\s)\bit(?:\s+is|['’]s)\s+(?:also\s+)?possible\s+(?:for\s+you\s+)?to\b",
        r"\b(?:have|has|with|given)\s+the\s+option\s+(?:to|of)\b", r"\bget\s+to\s+keep\b", r"\bat\s+(?:your|their)\s+discretion\b",
    ]),
]
# each verdict's patterns in one regex, tried only where a word or a line starts: 2x faster, same matches
_COMPILED = [(v, [re.compile(r"(?=\b|^)(?:" + "|".join(f"(?:{p})" for p in ps) + ")", re.I | re.M)])
             for v, ps in _PATTERNS]

_PERMITTED = [p for v, ps in _COMPILED if v is Verdict.permitted for p in ps]

LABELS = {
    Verdict.prohibited: "Not allowed",
    Verdict.advised_against: "Advised against",
    Verdict.needs_permission: "Only with permission",
    Verdict.required: "Required",
    Verdict.permitted: "Allowed",
    Verdict.information: "What the policy says",
}


# words a message may open with before its question ("hey, ...", "ok so ...")
_FILLER = r"(?:(?:so|and|but|ok|okay|well|also|then|now|please|just|sorry|hey|hi|hello|oh|um)\W+)*"
# Who a permission question is about: a person or a group of people, never a thing ("Could a breach...").
_PERSON = (r"(?:i|we|you|he|she|they|staff|teachers?|employees?|parents?|pupils?|students?|volunteers?|governors?"
           r"|someone|anyone|everyone|people|managers?|(?:my|our|a|an|the)\s+(?:\w+\s+)?(?:manager|colleague|coworker"
           r"|co-worker|teammate|boss|team|supervisor|friend|child|kid|son|daughter|husband|wife|partner|spouse))")
_RULE_WORDS = r"(?:allowed|permitted|able|required|supposed|expected|obliged|meant|entitled)"
# a thing asked about: "are normal blue jeans ok to wear in the office?", "are dogs allowed in the office?"
_THING_ALLOWED = (r"(?:is|are)\s+(?!(?:it|this|that|there|i|we|you|he|she|they)\b)(?:[\w'’-]+\s+){1,5}?(?:ok|okay|alright"
                  r"|all\s+right|acceptable|allowed|permitted|fine)\b(?:\s+(?:to|in|at|on|for|during|here)\b|\s*\?)")
_YES_NO_RULING = re.compile(
    rf"^{_FILLER}(?:"
    rf"(?:can|could|may|might|must|shall|should)\s+{_PERSON}\b{_NOT_EXPECTING}"
    rf"|(?:am|are|is)\s+{_PERSON}\s+(?:\w+\s+)?(?:{_RULE_WORDS}\b|(?:ok|okay|alright|fine|good)\s+to\b)"
    r"|(?:is|are|would|will)\s+(?:it|this|that)\s+(?:\w+\s+)?(?:be\s+)?(?:ok|okay|alright|all right|acceptable|appropriate"
    r"|fine|allowed|permitted|legal|a problem)\b"
    rf"|(?:do|does|did)\s+{_PERSON}\s+(?:\w+\s+)?(?:need|have\s+to|has\s+to|must)\b"
    r"|(?:will|would|is|are)\s+(?:[\w'’-]+\s+){0,6}?be\s+(?:tolerated|allowed|permitted|accepted|acceptable)\b"
    rf"|{_THING_ALLOWED}"
    rf"|is\s+there\s+(?:a|any)\s+way\s+{_PERSON}\s+(?:can|could|may)\b"
    r"|(?:ok|okay|alright|all right|fine|allowed|acceptable)\?$)",  # "I want to send a PR ... - ok?"
    re.I)
# A yes/no question that asks only whether something may be done ("Can I ...?", "Is it OK to ...?"), not
# whether it must be: a clause requiring something does not answer it (see `ruling_for`).
_ASKS_MAY = re.compile(
    rf"^{_FILLER}(?:"
    rf"(?:can|could|may|might)\s+{_PERSON}\b"
    rf"|(?:am|are|is)\s+{_PERSON}\s+(?:\w+\s+)?(?:(?:allowed|permitted|able|entitled)\b|(?:ok|okay|alright|fine|good)\s+to\b)"
    r"|(?:is|are|would|will)\s+(?:it|this|that)\s+(?:\w+\s+)?(?:be\s+)?(?:ok|okay|alright|all right|acceptable|appropriate"
    r"|fine|allowed|permitted|legal|a problem)\b"
    r"|(?:will|would|is|are)\s+(?:[\w'’-]+\s+){0,6}?be\s+(?:tolerated|allowed|permitted|accepted|acceptable)\b"
    rf"|{_THING_ALLOWED}"
    rf"|is\s+there\s+(?:a|any)\s+way\s+{_PERSON}\s+(?:can|could|may)\b"
    r"|(?:ok|okay|alright|all right|fine|allowed|acceptable)\?$)",
    re.I)
_WH_WORD = re.compile(rf"^{_FILLER}"
                      r"(?:how|what|what's|whats|when|where|which|who|whom|whose|why)\b", re.I)
# A sentence ends at a stop followed by a space: "python.org" and "3.5" end none.
_SENTENCE_END = re.compile(r"(?<=[?.!;])\s+")
# Where a question's parts meet: a comma, a dash set off by spaces or an em or en dash ("I disagree — can I reopen
# it?", "new here - do I have to join?"), a colon, "or"/"and" before another question, and "but"/"so" before one
# about the asker ("I'm not in marketing but can I post on the company page?").
_ASKED_PART = re.compile(r",\s*|\s+-+\s+|\s*[—–]+\s*|:\s+"
                         r"|\s+(?:or|and)\s+(?=(?:do|does|can|could|should|is|are|am|may|must)\b)"
                         r"|\s+(?:but|so)\s+(?=(?:do|does|can|could|should|am|may|must)\s+(?:[Ii]|we|you)\b)")
# A clause setting the scene before the question ("ok when I squash-merge, can I ...?"), not asking "when".
_SCENE = re.compile(rf"^{_FILLER}(?:when|whenever|where|while|once)\s+"
                    r"(?:i|we|you|they|he|she|it|my|our|your|their|his|her|the|a|an|this|someone|somebody|people)\b", re.I)


def _questions(question: str) -> list[str]:
    """The interrogative sentences of a message ("my laptop is acting weird. should I shut it down?")."""
    parts = [p.strip(" ,") for p in _SENTENCE_END.split(question.strip()) if p.strip(" ,?.!;")]
    asked = [p for p in parts if p.endswith("?")]
    return asked or parts[-1:]


# A condition or a time set before the question with no comma ("when I'm discharging someone do I have to tell their
# nurse?", "if I'm sick can I work from home?"): the question starts where a verb comes before its person ("if there's
# a breach how long do we have to tell the ICO?" asks how long).
_SET_BEFORE = re.compile(rf"^{_FILLER}(?:when|whenever|if|while|once|before"
                         r"|after)\s+(?:(?!(?:how|what|who|whom|which|where|why|when)\b)[\w'’/-]+\s+){1,12}?"
                         rf"(?=(?:can|could|may|might|must|shall|should|do|does|am|are|is|will|would)\s+(?:{_PERSON}|it|this|that)\b)",
                         re.I)


def _asked(question: str) -> list[str]:
    """The question's yes/no parts ("can I X, or do I have to Y?" has two)."""
    asked = []
    for part in _questions(question):
        for p in _ASKED_PART.split(part):
            if p.strip(" ?"):
                asked.append(p[m.end():].strip() if (m := _SET_BEFORE.match(p.strip())) else p.strip())
    return asked


def asked_words(question: str) -> str:
    """The words of the message that ask: a ruling question's yes/no parts (not the scene set before them, "My kid's
    school might call me today - am I allowed to answer my cell during my shift?"), or else its interrogative
    sentences (not the chat before them)."""
    return " ".join(_asked(question) if asks_for_ruling(question) else _questions(question))


def asks_for_ruling(question: str) -> bool:
    """True when a question asks whether something is allowed or required ("Can I ...?", "Do I have to ...?").

    Read from the grammar of the question itself: a yes/no question about what a person may, must or
    needs to do. A question opening with "how", "what", "who", "when" ... asks for facts ("How many
    hours are we expected to work?") and gets the quotes alone, even when it contains a rule word; so
    does any question with a wh-part ("how do I book flights, is there an agency we're supposed to use?").
    """
    asked = _asked(question)
    if any(_WH_WORD.match(p) and not (n < len(asked) - 1 and _SCENE.match(p)) for n, p in enumerate(asked)):
        return False
    return any(_YES_NO_RULING.match(p) for p in asked)


def asks_only_may(question: str) -> bool:
    """True when every ruling the question asks is whether something may be done, none whether it must."""
    rulings = [p for p in _asked(question) if _YES_NO_RULING.match(p)]
    return bool(rulings) and all(_ASKS_MAY.match(p) for p in rulings)


_AGAINST = (Verdict.advised_against, Verdict.prohibited)
RESTRICTING = (Verdict.needs_permission, *_AGAINST)  # rules that limit what something else allows


# "expenses without receipts can not be paid", "no entry unless escorted": a rule against something
# only under a condition says what is needed as much as what is ruled out, so it gives no ruling
_CONDITION = re.compile(r"\b(?:without|unless|except)\b", re.I)
# "Tabs should be used solely to remain consistent with ...", "Company data may only be accessed on ...":
# a duty or permission confined to some cases rules in those cases and out of all others. Which side of
# the line the asker stands on, word patterns cannot tell, so it gives no ruling.
_CONFINED = re.compile(r"\b(?:must|should|shall|may|can|could|will|is|are|be)\s+(?:[\w'’-]+\s+){0,5}?"
                       r"(?:only|solely|exclusively)\b|\bonly\s+(?:need|needs|have|has)\s+to\b|\bneeds?\s+only\b"
                       r"|\b(?:under|in)\s+(?:the\s+following|certain|specific|limited|exceptional)\s+(?:circumstances|conditions"
                       r"|cases)\b"  # "We may, under the following circumstances, rely on …"
                       r"|\b(?:when|if|where|whenever|once)\s+(?:you\s+are\s+|they\s+are\s+|it\s+is\s+)?(?:required|asked"
                       r"|requested|instructed|told|directed)\s+to\b"  # "When required to change a password, …"
                       r"|\bno\s+more\s+than\b", re.I)  # a limit: "no more than 5 days are permitted" allows some, not all


# "may be required to provide a doctor's note", "you might need to …": a duty that may arise, in cases the
# sentence does not always name, is no rule the asker can be told is theirs
_POSSIBLE_DUTY = re.compile(r"\b(?:may|might|could)\s+(?:also\s+|sometimes\s+|occasionally\s+)?(?:be\s+(?:required|asked"
                            r"|expected|obliged|needed)|need\s+to|have\s+to)\b", re.I)


# "You may be able to buy up to two weeks' extra holiday": leave in some cases, not said to be the asker's
_POSSIBLE_LEAVE = re.compile(r"\b(?:may|might)\s+be\s+able\s+to\b", re.I)


# "take stock of what we need to accomplish", "everything you need to know": a need named as a thing, not laid
# on anyone
_WHAT_IS_NEEDED = re.compile(r"\b(?:what|whatever|everything|anything)\s+(?:else\s+)?(?:you|we|they|staff|employees|he|she"
                             r"|i|one|people)\s+(?:will\s+|would\s+|might\s+|may\s+)?(?:need|needs|have|has)\s+to\b", re.I)


# "Take the time you need, whether you are pregnant or need to accompany your partner": a need that names a case
_CASE_OF_NEED = re.compile(r"(?<=[\w,]\s)(?:whether|or\s+if|if|in\s+case)\s+[^,.;:]{0,60}?\b(?:need|needs|have|has)\s+to\b", re.I)


# "You are required to report to work on days you are not required to report for jury service": a duty or its
# absence that names the days, times or shifts a rule is about says which ones, not what the rule is
_WHICH_TIMES = re.compile(r"(?<=\w\s)(?:on|for|during|in|at)\s+(?:the\s+|those\s+|any\s+)?(?:days?|dates?|times?|weeks?"
                          r"|hours?|shifts?|occasions?|periods?|evenings?|weekends?)\s+(?:on\s+which\s+|when\s+|that\s+)?"
                          r"(?:you|they|he|she|we|staff|employees?|members?)\s+(?:are|is|am)(?:\s+not|n['’]t)?\s+"
                          r"(?:\w+\s+)?(?:required|expected|needed|scheduled|obliged|due)\s+to\b[^,.;:]*", re.I)


# "These regulations shall not contradict anything in the rules", "This policy shall not apply to contractors": what a
# document itself does or does not do rules nothing on anyone's acts (not "The rules do not allow dogs", nor "This
# policy must not be shared", where a person acts)
_DOCUMENT_DOES = re.compile(r"(?:^|(?<=[.;:]\s))(?:(?:the|this|these|those|such|any|its|our|all)\s+)?(?:[\w'’-]+\s+){0,2}?"
                            r"(?:policy|policies|regulations?|rules|procedures?|guidance|guidelines|code|document|handbook"
                            r"|by-?laws?|bye-?laws?|constitution|provisions?|section|clause|terms)\s+(?:shall|must|should|will"
                            r"|may|can)(?:\s+not|\s+never|n['’]?t)\s+(?!be\b)[^.;,]*", re.I)


# "Ensure any work-related conversations can't be overheard", "make sure your screen cannot be seen": what must be made
# impossible is the duty's object, not a rule against anything the reader does
_PREVENTED = re.compile(r"(\b(?:ensure|make\s+sure)\b[^.;:!?]*?)\b(?:cannot|can['’]?t|can\s+not|could\s+not|couldn['’]?t"
                        r"|will\s+not|won['’]?t)\s+be\s+\w+", re.I)


# "Mark will send out of hours, as I sometimes have to shuffle email around other commitments": the writer's reason,
# not a duty laid on the reader
_REASON = re.compile(r"(?<=[\w)],\s)(?:as|because|since)\s+(?:i|we)\s+(?:[\w'’]+\s+){0,2}?(?:have|has|need|needs|must)\s+to\b"
                     r"[^.;:!?]*", re.I)


# "…to make sure you don't have to go to bed without dinner", "we book it so you don't need to": a purpose, not a
# duty lifted
_PURPOSE = re.compile(r"\b(?:make\s+sure|ensure|so\s+that|(?<=[\w,]\s)so|in\s+order\s+that)\s+"
                      r"(?:you|we|they|staff|employees|he|she|i|one|people)\s+"
                      r"(?:do\s+not|don['’]?t|does\s+not|doesn['’]?t|won['’]?t|will\s+not|never)\s+"
                      r"(?:have|has|need|needs)\s+to\b", re.I)


# "receipts are only required for …"; a sentence opening "Only technical joiners need do this section", "Only a node
# rep can send a request": the duty or leave is confined to the people it names
_ONLY_RULE = re.compile(r"\bonly\s+(?:be\s+)?(?:required|needed|necessary|mandatory|compulsory|allowed|permitted)\b"
                        r"|^\W*(?:\d+(?:\.\d+)*\.?\s+)?only\s+(?:[^.;:!?]|(?<=\betc)\.){1,80}?\s(?:need|needs|must|have\s+to|has\s+to|may|can"
                        r"|(?:is|are)\s+(?:required|expected|allowed|permitted))\b", re.I)


_LEAVE = r"(?:permission|approval|consent|authori[sz]ation|sign[- ]off)"
# a permission naming the leave it needs ("may exchange a week of leave for cash with Coordinator approval")
_LEAVE_NOUN = re.compile(rf"\b{_LEAVE}\b", re.I)


# "you may or may not be required to attend", "it may or may not be possible": not known either way, no leave given;
# read as "might" ("might be required": a duty that may arise)
_EITHER_WAY = re.compile(r"\b(may|might|can|could)\s+or\s+\1(?:\s+not|n['’]t|not)\b", re.I)


def _flat(text: str) -> str:
    """The text as one line, emphasis marks gone: what the rule patterns read."""
    return _EITHER_WAY.sub("might", " ".join(text.replace("*", "").replace("_", " ").split()))


# what keeps what was said before to some cases: "This will only happen if all of the following conditions are met",
# "(permitted) but restricted to use in ironing rooms or laundry areas only" (not "including but not limited to")
_KEPT_TO = re.compile(r"\b(?:this|that|it|these|such)\s+(?:will\s+|would\s+|can\s+|may\s+)?only\s+(?:happens?|applies|apply"
                      r"|occurs?|be\s+(?:done|possible|considered|granted|used))\s+(?:if|when|where|in)\b"
                      r"|(?<!\bnot\s)\b(?:restricted|confined)\s+to\b", re.I)


def confines(text: str) -> bool:
    """True when the text states a duty or permission only for some cases ("receipts are only required for
    expenses over $25"): it gives no ruling of its own (see `classify`), and it leaves any other rule it is
    read with conditional ("You should keep every receipt, but receipts are only required for …")."""
    flat = _flat(text)
    return bool(_ONLY_RULE.search(flat)) or bool(_KEPT_TO.search(flat)) or bool(_CONFINED.search(flat)) and any(
        p.search(flat) for v, ps in _COMPILED if v in (Verdict.required, Verdict.permitted) for p in ps)


def _also_permits(flat: str, against: list[re.Pattern]) -> bool:
    """True when the text also permits something, in words other than those of its prohibition
    ("no visitors are permitted" holds "are permitted" inside its own "no … are permitted")."""
    said = [m.span() for p in against for m in p.finditer(flat) if m.end() > m.start()]
    return any(not any(a < m.end() and m.start() < b for a, b in said)
               for p in _PERMITTED for m in p.finditer(flat))


# an aside in brackets ("'meh' days (those days where … you just need to write them off)") states no rule of the
# sentence; one that sets a condition on it ("Avoid blue jeans (except payday Fridays)") is kept
_ASIDE = re.compile(r"(?<=\S)\s*\((?![^()]*\b(?:except|unless|without|only|if|provided)\b)[^()]{3,}\)", re.I)
# leave to act without asking ("the commit may be reverted immediately without permission from anyone")
_WITHOUT_ASKING = re.compile(r"\b(?:may|can)\b(?!\s*(?:not|n['’]t|never|neither)\b)(?:\s+be)?(?:\s+[\w'’-]+){1,6}?\s+without\s+"
                             rf"(?:any\s+|the\s+|prior\s+|further\s+)*{_LEAVE}\b", re.I)
# leave said not to be needed: "you do not need their permission to apply", "no approval is required", "there is no
# need to ask for permission" (not of a thing described: "an arrangement which does not require approval")
_NO_LEAVE_NEEDED = re.compile(
    rf"(?<!\bwhich\s)(?<!\bthat\s)(?<!\bwho\s)\b(?:do|does|did|will)(?:\s+not|n['’]?t)\s+(?:\w+\s+)?(?:need|require)\s+"
    rf"(?:[\w'’-]+\s+){{0,4}}?{_LEAVE}\b"  # ("do not require further license review or approval")
    rf"|\bneed(?:\s+not|n['’]t)\s+(?:get|obtain|seek|ask\s+for|request)\s+(?:[\w'’-]+\s+){{0,3}}?{_LEAVE}\b"
    rf"|\bno\s+(?:prior\s+|further\s+|formal\s+|separate\s+)?{_LEAVE}\s+(?:is\s+|will\s+be\s+)?(?:needed|required|necessary)\b"
    rf"|\bno\s+need\s+(?:for|to\s+(?:get|obtain|seek|ask\s+for|request))\s+(?:[\w'’-]+\s+){{0,3}}?{_LEAVE}\b", re.I)


# a duty said to stand still: "Resignation shall not relieve a Fellow of any dues previously accrued", "leaving does
# not release you from your duty of confidentiality"
_NOT_RELIEVED = re.compile(r"\b(?:(?:shall|will|does|do|did|must|should|may)\s+not|(?:does|do|did|wo)n['’]?t)\s+"
                           r"(?:relieve|release|exempt|excuse|absolve|discharge)\s+(?:[\w'’-]+\s+){0,4}?(?:of|from)\b"
                           # … and "is not relieved of"; not "employees who are not exempt from the overtime provisions",
                           # a kind of employee
                           r"|\b(?:(?:is|are|be)\s+not|(?:is|are)n['’]?t)\s+(?:relieved|released|exempted|excused|absolved"
                           r"|discharged)\s+(?:of|from)\b", re.I)


# a condition set before a sentence's rule, up to its comma: "If you are ill and cannot come in, …" (an aside may
# stand first: "If, for whatever reason, you cannot lead a pick, you must …")
_IF = r"(?:if|when|whenever|where|wherever|in\s+case)"
_FRONTED = re.compile(rf"^\W*(?:\d+(?:\.\d+)*\.?\s+)?(?:{_IF}|in\s+the\s+event\s+(?:that|of))\b"
                      r"(?:\s*,[^,;:]{1,40},)?[^,;:]{1,160},(?:\s*(?:or|and)\b[^,;:]{1,80},)*\s*(?=\S)", re.I)
# ... or without its comma, when the condition holds a "not" and a duty follows it: "If a host cannot attend a call
# and there is no back up host available the call must be cancelled" (the "cannot" is the condition's)
_FRONTED_BARE = re.compile(rf"^\W*(?:\d+(?:\.\d+)*\.?\s+)?{_IF}\b[^,;:.]{{0,160}}?(?:\bnot|\bcannot|n['’]t|\bunable|\bno)\b"
                           r"[^,;:.]{1,160}?\s(?=(?:[\w'’-]+\s+){1,2}(?:must|shall|should|will\s+need\s+to|needs?\s+to"
                           r"|ha(?:s|ve)\s+to)\b)", re.I)


# "Please do not say you are not allowed to talk to a reporter or have to get permission": the words after a verb of
# saying that is ruled out are what not to say
_SAYING = re.compile(r"\b(?:do\s+not|don['’]?t|never|must\s+not|should\s+not)\s+(?:say|tell\s+(?:\w+\s+){1,2}?that"
                     r"|claim|imply|suggest|promise|pretend)\b", re.I)


# who a sentence is about, defined by what they do not do ("Any applicant who refuses to sign the form is no longer
# eligible"): what befalls them rules nothing on the act itself, which the question is about
_NOT_DOING = re.compile(r"\b(?:who|that)\s+(?:refuses?|refused|fails?|failed|declines?|declined|neglects?|neglected)"
                        r"\s+to\b", re.I)


# "you will be drafted onto the on-call rota, unless you and your head of community have agreed you can opt out": leave
# to be excused from a rule is no leave to do what it asks
_EXCUSED = re.compile(r",?\s*\bunless\b[^.;]{0,120}?\b(?:opt(?:s|ed)?[- ]out|(?:be|are|is|been)\s+(?:exempt(?:ed)?|excused)"
                      r"|waive[sd]?)\b[^.;]*", re.I)


# a rule against something kept to what can be managed: advice, not a ban ("Do not “surf” the canoe into shore if at all
# possible", "Staff should not work alone where possible")
_SOFTENED = re.compile(r"\b(?:(?:if|where|wherever|when|whenever)\s+(?:at\s+all\s+|reasonably\s+)?(?:possible|practicable"
                       r"|practical|feasible)|as\s+(?:far|much)\s+as\s+(?:is\s+)?(?:possible|practicable|practical))\b", re.I)


# leave denied not to do something is a duty to do it: "It is not okay to just not show up for a rehearsal"
_NOT_TO_NOT = re.compile(r"\b(?:it\s+is|it['’]s|is|are)\s+not\s+(?:ok|okay|acceptable|allowed|permitted|fine)\s+to\s+"
                         r"(?:just\s+|simply\s+)?not\b", re.I)


# words set in double quotation marks are someone's words, not the rule's: "Things to say: “I'm glad you told me”, “It's
# OK to tell”", a sign reading "No Entry"
_QUOTED = re.compile(r"“[^“”]{1,120}”|(?<![\w\"])\"[^\"]{1,120}\"(?![\w\"])")


@lru_cache(maxsize=16384)  # a popular clause is read again for every question it answers
def classify(text: str) -> Verdict:
    """The verdict a piece of policy wording expresses on its own.

    One part saying both that something is fine and that something is not ("skipping one is okay if
    you have an engagement you can't cancel") gives no ruling: which of the two the question is about,
    and whether the "not" is the rule or inside a condition, word patterns cannot tell."""
    flat = _CASE_OF_NEED.sub(" ", _PURPOSE.sub(" ", _WHAT_IS_NEEDED.sub(" ", _REASON.sub(" ", _flat(text)))))
    flat = _PREVENTED.sub(r"\1", _DOCUMENT_DOES.sub(" ", _WHICH_TIMES.sub(" ", flat)))
    flat = _EXCUSED.sub(" ", _ASIDE.sub(" ", _QUOTED.sub(" ", _NOT_TO_NOT.sub(" must ", flat))))
    if _NOT_DOING.search(flat):
        return Verdict.information
    if _WITHOUT_ASKING.search(flat):  # in every case, or only in some ("may only be accepted without approval when:")
        return Verdict.information if _CONFINED.search(flat) else Verdict.permitted
    if _NO_LEAVE_NEEDED.search(flat):  # unless the rest rules on something (then the two are not told apart)
        return Verdict.permitted if classify(_NO_LEAVE_NEEDED.sub(" ", flat)) in (
            Verdict.information, Verdict.permitted) else Verdict.information
    if _NOT_RELIEVED.search(flat):
        return Verdict.required
    if said := _SAYING.search(flat):
        flat = flat[:said.end()]  # what one is told not to say rules nothing itself
    # "If you cannot attend, you must let the leader know": a rule word inside a condition set before the rule is
    # part of the condition; only the leave it needs ("If approved, …") is read from it
    fronted = _FRONTED.match(flat) or _FRONTED_BARE.match(flat)
    main = flat[fronted.end():] if fronted else flat
    for verdict, patterns in _COMPILED:
        if any(p.search(flat if verdict is Verdict.needs_permission else main) for p in patterns):
            if verdict in _AGAINST and (_also_permits(flat, patterns) or _CONDITION.search(flat)):
                return Verdict.information
            confined = _CONFINED.search(flat) or _ONLY_RULE.search(flat)
            if verdict in (Verdict.required, Verdict.permitted) and confined:
                return Verdict.information
            if verdict is Verdict.required and _POSSIBLE_DUTY.search(flat):
                return Verdict.information
            if verdict is Verdict.needs_permission and _POSSIBLE_DUTY.search(flat) and not _LEAVE_NOUN.search(flat):
                return Verdict.information  # "may be required to work an N-Proj show, at the discretion of the committee"
            if verdict is Verdict.permitted and _POSSIBLE_LEAVE.search(flat):
                return Verdict.information
            if verdict is Verdict.permitted and _LEAVE_NOUN.search(flat):
                return Verdict.needs_permission
            if verdict is Verdict.prohibited and _SOFTENED.search(flat):
                return Verdict.advised_against  # "Do not “surf” the canoe into shore if at all possible"
            return verdict
    return Verdict.information


def clause_verdict(text: str, context: str | None = None) -> Verdict:
    """A clause's verdict; a list item without rule words inherits its lead-in's rule. One whose own rule words
    give no ruling ("they may be required to work one show, at the discretion of the committee" under "The committees
    shall have the following responsibilities:") keeps none: its lead-in's rule is not what it says."""
    own = classify(text)
    if own is Verdict.information and context:
        return classify(context) if _rules_nothing(text) else own
    if own in (Verdict.required, Verdict.permitted) and context:
        inherited = classify(context)
        if inherited in (Verdict.prohibited, Verdict.needs_permission, Verdict.advised_against):
            return inherited
    return own


def _rules_nothing(text: str) -> bool:
    """True when no rule word stands in the text at all."""
    flat = _flat(text)
    return not any(p.search(flat) for _, patterns in _COMPILED for p in patterns)


# A heading naming how something ruled out is handled ("Managing Unacceptable Actions by Individuals", "Reporting
# prohibited conduct"): the items under it are what is done about such acts, not more of them.
_HANDLING = re.compile(r"^(?:\d[\d.]*\s+)?\w+ing\s+(?:(?:of|with|to)\s+)?(?:\w+\s+)?(?:unacceptable|prohibited|forbidden"
                       r"|banned|inappropriate|disallowed)\s+\w", re.I)


def rules_its_items(heading: str) -> bool:
    """True when a section's heading itself rules out or limits what stands under it ("## Not OK", "Prohibited
    items"), as a lead-in does its list; not when it names how such things are handled."""
    return not _HANDLING.match(heading) and clause_verdict(heading) in RESTRICTING


# Where one rule ends and another begins inside a sentence: "questioning a decision is acceptable,
# but personal attacks are not acceptable" holds two rules about two different things. A stop before a
# lower-case word or a dash ends an abbreviation, not a sentence ("engineers, developers, etc. -- need …", "e.g. a").
_PART_BREAK = re.compile(r"(?<=[!?;])\s+|(?<=\.)\s+(?!(?-i:[a-z])|[(–—-])"
                         # ... a "while" set off by a comma, not one that says when ("may not cosplay while on duty",
                         # "…, while conducting company business, … without written permission")
                         r"|[,;]?\s+(?=(?:but|however|whereas|although|though|yet)\b)"
                         r"|[,;]\s+(?=while\b(?!\s+(?:\w+ing|on|off|at|in|under)\b))|;\s*"
                         r"|,\s+(?=(?:and|or)\s+(?:not|never)\b)"
                         r"|,\s+(?=and\s+(?:should|must|shall|may|can|cannot|need|needs|will)\b)"
                         # "… must be grown in containers and should not be allowed to get established …": two rules
                         r"|\s+(?=and\s+(?:should|must|shall)\s+not\b)", re.I)
_MODAL_STEMS = frozenset(stem(w) for w in MODAL_WORDS)


# a list item's marker at the start of a line: each item states its own rule ("- Avoid abbreviations as they can cause
# confusion" over "- Make your plan explicit"), whatever the pattern that a whole list would match first
_ITEM_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*+•▪◦·–]|\d{1,3}[.)]|[a-z][.)]|\((?:[a-z]|[ivx]+|\d+)\))[ \t]+")


def _parts(text: str) -> list[tuple[str, bool]]:
    """Each part (see `rule_parts`), and whether it opens a list item."""
    return [(p.strip().replace("\ue001", ";"), n == 0 and bool(marker))
            for block in re.split(r"\n[ \t]*\n", text)
            for marker, item in _items(block)
            for n, p in enumerate(_conditions_whole(r for q in _PART_BREAK.split(_bracketed_kept(" ".join(item.split())))
                                                    if q and q.strip() for r in _conceded(q)))]


def _bracketed_kept(text: str) -> str:
    """The text with the semicolons inside brackets hidden, so that no part ends there ("… communications (for
    example; email, phone calls and messages) outside of their normal working hours …")."""
    return re.sub(r"\([^()]*\)", lambda m: m.group().replace(";", "\ue001"), text)


# a sentence opening on what it concedes ("Whilst everyone is welcome to use these shoes, please return them …",
# "Although staff may work from home, they must …"): the concession is a part of its own, and so is the rule after it
# (not a "while" that says when: "While on duty, …", "While working alone, …")
_CONCEDED = re.compile(r"^(?:although|though|even\s+though|whilst|while(?!\s+(?:\w+ing|on|off|at|in|under)\b))\b[^,;]*,\s+"
                       r"(?=\S)", re.I)


def _conceded(part: str) -> list[str]:
    """The part, or its concession and its rule apart; a concession that keeps something to some cases ("While these
    appliances can only be used in kitchens, they can be stored in rooms") limits the rule, and stays with it."""
    part = part.strip()
    m = _CONCEDED.match(part)
    if not m or _CONFINED.search(part[:m.end()]) or _ONLY_RULE.search(part[:m.end()]):
        return [part]
    return [part[:m.end()].rstrip(", "), part[m.end():]]


# a condition still open (no comma yet) when a "but" cuts the sentence: "If you collect data but cannot attend, …"
_OPEN_CONDITION = re.compile(rf"^\W*{_IF}\b[^,;:.!?]*$", re.I)


def _conditions_whole(parts: Iterable[str]) -> list[str]:
    """The parts, with a condition cut by "but" before its comma joined again to the rest of its sentence."""
    out: list[str] = []
    for part in parts:
        if out and _OPEN_CONDITION.match(out[-1]):
            out[-1] = f"{out[-1]} {part.strip()}"
        else:
            out.append(part)
    return out


def _items(block: str) -> list[tuple[str, str]]:
    """A block's list items (marker, text); the text before the first marker has none."""
    cut = [(m.start(), m.end()) for m in _ITEM_START.finditer(block)]
    starts = [0] + [end for _, end in cut]
    ends = [start for start, _ in cut] + [len(block)]
    markers = [""] + [block[a:b] for a, b in cut]
    return [(marker, block[s:e]) for marker, s, e in zip(markers, starts, ends) if block[s:e].strip()]


def rule_parts(text: str) -> list[str]:
    """The text cut into parts that each state at most one rule: paragraphs and list items, sentences, then
    clauses joined by "but". A paragraph ends a part even without a full stop ("Customer Signature / Printed Name
    / Date" over "Do not write the card number on this form.")."""
    return [part for part, _ in _parts(text)]


# A part that opens by pointing back ("These expenses should be approved ...", "though this should be
# limited to ...") is about the thing the part before it names: the two are read as one.
# "It's not appropriate to meet in cafes", "It is important that …": an "it" that stands for what follows points
# nowhere back.
_POINTS_BACK = re.compile(r"^(?:(?:but|however|whereas|although|though|yet|while|and|also|so)\W+)*"
                          # "However, they are not allowed to check out all books on one subject", "They may not be placed in
                          # a drop-box": a rule against another act of the same people or things is a rule of its own
                          # … and so is leave for another act of the people named ("However, they may attend working-group
                          # meetings"; not of things: "These may be used to attend an event")
                          r"(?:this|that|such|it|them|(?:they|these|those)(?!\s+(?:(?:are|is)\s+(?:also\s+)?not\s+(?:allowed"
                          r"|permitted)\s+to|(?:may|must|can|should|shall)(?:\s+not|n['’]t)\b|cannot\b))"
                          r"(?:(?<=they)(?!\s+(?:also\s+)?(?:may|can)\b(?!\s*(?:not|n['’]t|never|only|be)\b))|(?<!they)))"
                          r"\b(?!\s+(?:is|are|was|were)\s+(?:not\s+)?(?:a|an|the)\b)"
                          r"(?!(?:['’]s|\s+is|\s+was|\s+will\s+be|\s+would\s+be)\s+(?:not\s+)?(?:\w+\s+)?\w+\s+(?:to|that|for)\b)",
                          re.I)
# A part turning against what came before it: it states its own rule, not its list's
_TURNING = re.compile(r"\W*(?:however|but|except\s+that)\b", re.I)
# A contrast ruling on what the part before names ("this is an optional course, but we require it for our lab",
# "…, but we don't allow them"): the same thing, and the rule after the "but" holds for it.
_CONTRAST_BACK = re.compile(r"^(?:but|however|though|although|yet)\W+(?:[\w'’-]+\s+){0,3}?(?:require|requires|expect"
                            r"|expects|allow|allows|permit|permits|forbid|forbids|prohibit|prohibits|ban|bans|recommend"
                            r"|recommends|encourage|encourages|discourage|discourages)\s+(?:it|them)\b", re.I)
# A part giving an example ("For example, applicants should not be asked …") illustrates the rule before it,
# and has that rule's force.
_ILLUSTRATES = re.compile(r"^for\s+(?:example|instance)\b", re.I)
# "6pm", "$900", "5k": a number and its unit are two words to match on
_NUMBER_EDGE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def _topical(text: str) -> set[str]:
    return {t for t in tokens(_NUMBER_EDGE.sub(" ", text)) if t not in _MODAL_STEMS}


def _joined(first: Verdict, then: Verdict) -> Verdict | None:
    """The rule of a part and the part pointing back to it, read together (None: they disagree)."""
    if then is Verdict.information or then is first:
        return first
    if first is Verdict.information or then is Verdict.needs_permission:
        return then  # "These expenses should be approved by the founder": the condition is the rule
    if first is Verdict.permitted and then is Verdict.required:
        return first  # "..., though this should be limited to four hours a week": a limit on a permission
    return None


# The people a rule protects, named after what it rules out: "retaliating against anyone who files a
# complaint", "victimisation of anyone raising a concern", "staff must not shout at pupils who misbehave".
_PROTECTED = re.compile(r"\b(?:anyone|anybody|someone|somebody|those|people|persons?|individuals?|employees?|staff"
                        r"|colleagues?|workers?|members?|pupils?|students?|children|child|whistle-?blowers?|complainants?)"
                        r"\s+(?:who|that|whom|\w+ing)\b", re.I)


# what a rule leaves out: "Weapons are not permitted …, with the exception of small pocket knives (blades under 3\")"
_EXCEPTED = re.compile(r"\b(?:with\s+the\s+exceptions?\s+of|except(?:\s+for)?|excepting|other\s+than|apart\s+from"
                       # ... up to the rule's own verb, when no comma closes it ("No passenger, other than operator shall ride")
                       r"|excluding|save\s+for)\s+([^.;:]{2,160}?)(?=\s+(?:shall|must|may|will|can|cannot|should|is|are)\b"
                       r"|[.;:]|$)", re.I)


# what a permission leaves out in brackets: "Returns are allowed for items that still have the tags attached (NOT Worn
# or Washed)", "you can bring the boots to the laundry room overnight (but not into the house)"
_LEFT_OUT = re.compile(r"\(\s*(?:but\s+|and\s+|though\s+)?not\s+([^)]{2,160})\)", re.I)


def _excepted(part: str, asked: set[str], pattern: re.Pattern = _EXCEPTED, leave: bool = False) -> bool:
    """True when what the part's rule leaves out holds at least as many of the question's words as the rule itself,
    one of them the rule's own words lack (and the exception asks no leave of anyone): the thing asked is the
    exception, which the rule does not bind. A permission's exception is not given that leave.

    `leave`: the rule is a permission, and one question's word that only what it leaves out holds is enough ("you can
    bring the boots to the laundry room overnight (but not into the house)" asked of the house): leave given for less
    than was asked gives no ruling, where a rule against the thing would be read as lifted."""
    m = pattern.search(part)
    if not m or _LEAVE_NOUN.search(m.group(1)):
        return False
    inside = asked & _topical(m.group(1))
    outside = asked & _topical(part[:m.start()] + " " + part[m.end():])
    return bool(inside - outside) and (leave or len(inside) >= len(outside))


def _against_others(part: str, asked: set[str]) -> bool:
    """True when a rule against something is about what is done *to* people who do the thing asked, not about
    doing it: the question's words stand only in what describes those people ("Can I file a complaint?" -
    "Retaliating against anyone who files a complaint is prohibited"). A rule whose own act is asked about
    ("Staff must not shout at pupils who misbehave" to "Can I shout at a pupil?"), or whose people are its
    subject ("Those who smoke must not do so on site"), is not."""
    flat = " ".join(part.split())
    people = _PROTECTED.search(flat)
    if people is None:
        return False
    act, described = _topical(flat[:people.start()]), _topical(flat[people.start():])
    return bool(act) and not asked & act and bool(asked & described)


# "Associates may attend but not vote at Fellowship meetings": a "but not" with no verb of its own carries the leave
# before it, denied ("may … not vote")
_ELIDED_NOT = re.compile(r"^(?:but|yet)\s+(?:not|never)\b(?!\s+(?:only|just|necessarily|always|all|every)\b)", re.I)
_LEAVE_BEFORE = re.compile(r"\b(?:may|can|(?:is|are)\s+(?:also\s+)?(?:allowed|permitted|free|welcome)\s+to)\b"
                           r"(?!\s*(?:not|n['’]t|never|neither|only|be\b))", re.I)


def rule_units(text: str, context: str | None = None,
               asked: set[str] | None = None) -> list[tuple[set[str], Verdict | None]]:
    """Each rule of the text with the topical words it is about; a part pointing back joins the one before.
    With the question's words (`asked`), a rule against what is done to people who do the thing asked is
    no rule on doing it.

    A part opening "but not" with no rule word of its own, after leave given in the same sentence ("Associates
    may attend but not vote"), denies that leave for what it names; asked of that, the leave itself gives no
    ruling (None).

    Questions and answers ("Q. … Do they need a DBS check? A. No, … checks aren't required."): a question
    rules nothing, and a set-up before it that states no rule of its own joins it; the parts after it, up to
    the next question, answer it: they are read with it and rule in their own words, not under the lead-in."""
    units: list[tuple[set[str], Verdict | None]] = []
    ruled: list[bool] = []  # whether a unit states a rule in its own words (not only under its lead-in)
    answering = False  # a question has been asked: the parts that follow answer it
    parts = _parts(text)
    for (part, item), previous in zip(parts, [""] + [p for p, _ in parts]):  # a part cut off by "but" … ends no sentence
        words = _topical(part)
        if part.endswith("?"):
            if units and not answering and not ruled[-1]:
                units[-1] = (units[-1][0] | words, Verdict.information)
            else:
                units.append((words, Verdict.information))
                ruled.append(False)
            answering = True
            continue
        own = classify(part)
        denied = own is Verdict.information and bool(_ELIDED_NOT.match(part)) and bool(_LEAVE_BEFORE.search(previous)) \
            and not re.search(r"[.!?;]$", previous)
        if denied:
            own = Verdict.prohibited
            if units and asked and units[-1][1] in (Verdict.permitted, Verdict.information) and asked & words - units[-1][0]:
                # "You can use your phone in the staff room but not in classrooms" asked of classrooms: the leave
                # before does not reach what the question names, and word counts cannot tell which part it is about
                units[-1] = (units[-1][0], None)
        # an answer rules in its own words, as does a part turning against what came before ("however, wedding
        # bands … are permitted" in an item under "The following is not allowed:")
        contrast = own is not Verdict.information and bool(_TURNING.match(part))
        verdict = own if answering or denied or contrast else clause_verdict(part, context)
        if asked and verdict in _AGAINST and _against_others(part, asked):
            verdict = Verdict.information
        elif asked and verdict in RESTRICTING and _excepted(part, asked):
            verdict = Verdict.permitted  # "not permitted …, with the exception of small pocket knives": those are not
        elif asked and verdict is Verdict.permitted and (_excepted(part, asked, leave=True)
                                                          or _excepted(part, asked, _LEFT_OUT, leave=True)):
            verdict = Verdict.information  # "Returns are allowed for items … (NOT Worn or Washed)" asked of a worn one
        if own is Verdict.information and confines(part):
            own = verdict = None  # "… are only required for …": whatever it is read with is conditional
        if units and answering:
            before, rule = units[-1]
            units[-1] = (before | words, verdict if rule is Verdict.information
                         else None if rule is None else _joined(rule, verdict))
        elif units and not item and (_POINTS_BACK.match(part) or _CONTRAST_BACK.match(part)):  # items are parallel
            # the lead-in's rule came with the part pointed back to
            before, rule = units[-1]
            units[-1] = (before | words, None if rule is None or own is None else _joined(rule, own))
        elif units and own is None and words & units[-1][0] and not re.search(r"[.!?;]$", previous):
            # a duty or permission confined to some cases, in the same sentence as a rule on the same thing ("You
            # should keep every receipt, though receipts are only required for expenses over $25"): that rule
            # holds only so
            before, rule = units[-1]
            units[-1] = (before | words, None)
        elif units and _ILLUSTRATES.match(part):
            before, rule = units[-1]
            units[-1] = (before | words, verdict if rule is Verdict.information else rule)
        else:
            units.append((words, verdict))
            ruled.append(False)
        ruled[-1] = ruled[-1] or own is not Verdict.information
    return units


def ruling_for(question: str, text: str, context: str | None = None) -> Verdict:
    """The rule the quoted text gives on the very thing asked, or `information` when it gives none.

    "Can I ...?" asks whether something may be done: a part saying that something must be done
    answers it only when that something is the very thing asked, which matching words cannot tell
    ("is it ok to use my sabbatical to look for a job?" - "the employee should put together a
    presentation about their sabbatical"), so it gives no ruling."""
    verdict = governing_rule(question, text, context)[0]
    if verdict is Verdict.required and asks_only_may(question):
        return Verdict.information
    return verdict


# "I know meat isn't allowed, but is it fine to have yoghurt?": a rule the asker states, then asks past with "but"
_BUT_ASKS = re.compile(r"^(?P<known>[^?]+?),?\s+but\s+(?P<asked>(?:do|does|can|could|should|is|are|am|may|must|would|will)\b.+)$",
                       re.I)


def _conceded_rule(question: str) -> set[str]:
    """The words of a rule the question states as known before asking past it with "but" ("I know meat isn't allowed,
    but is it fine to have yoghurt and cheese?"), less those it asks about too: the rule it names is the one it sets
    aside, so a part of a quote about that alone does not answer it."""
    words: set[str] = set()
    for sentence in _questions(question):
        m = _BUT_ASKS.match(sentence)
        if m and classify(m.group("known")) is not Verdict.information:
            words |= _topical(m.group("known")) - _topical(m.group("asked"))
    return words


def _scene_words(question: str) -> set[str]:
    """The words only of a scene set before the question asked ("When I pick up the rental car for fieldwork, …")."""
    words: set[str] = set()
    for sentence in _questions(question):
        parts = [p for p in _ASKED_PART.split(sentence) if p.strip(" ?")]
        if len(parts) > 1 and _SCENE.match(parts[0].strip()):
            words |= _topical(parts[0]) - _topical(" ".join(parts[1:]))
    return words


def governing_rule(question: str, text: str, context: str | None = None) -> tuple[Verdict, set[str]]:
    """The rule the quoted text gives on the very thing asked, and the question's words its part holds.

    The part of the text that shares the most topical words with the question governs: a rule
    word elsewhere in the text is about something else. When that part states no rule, or
    equally matching parts state different rules (or parts holding two or more of the question's
    words, within one of the best), there is no ruling; for a question asking only whether something may be
    done, a duty among them gives way to a rule against the thing. A sentence pointing back to
    the one before ("These expenses should be approved ...") is read with it.

    Not every word of the question counts: not those of a rule the asker says they know before asking past it
    ("I know meat isn't allowed, but …"), nor those of a scene set before the question ("When I pick up the rental
    car, should I buy the extra insurance?") when some part holds a word of the question proper.
    """
    asked = _topical(question) - _conceded_rule(question)
    units = rule_units(text, context, asked)
    scene = _scene_words(question)
    if scene and any((asked - scene) & words for words, _ in units):
        asked -= scene  # "When I pick up the rental car, should I buy the extra insurance?" asks about the insurance
    scored = [(asked & words, verdict) for words, verdict in units]
    best = max((len(found) for found, _ in scored), default=0)
    if best == 0:
        return Verdict.information, set()
    verdicts = {v for found, v in scored if len(found) == best} - {Verdict.information}
    only_may = asks_only_may(question)
    if only_may and len(verdicts) > 1 and verdicts - {Verdict.required} <= set(_AGAINST):
        # a duty does not answer "may I …?" (see `ruling_for`): beside it, a rule against the thing answers; a
        # permission beside a duty may be limited by it ("we require some overlap …, but you are free to …"): no ruling
        verdicts -= {Verdict.required}
    found = set().union(*(f for f, _ in scored if len(f) == best))
    if None in verdicts or len(verdicts) != 1:
        return Verdict.information, found
    # another part holding nearly as many of the question's words (two or more, one fewer at most) with another
    # rule: "Obtain a campus ID card … This is not required to get into our offices. There is a $30 fee per card
    # that employees must pay themselves." for "do I have to pay for my ID card?": word counts cannot tell which
    # ... nor, for a question whether something must be done, a permission whose words the governing part holds all of,
    # and more: leave to do less of what was asked does not answer whether it must be done ("Any Fellow may resign …"
    # beside "Resignation shall not relieve a Fellow of any dues" for "do I still have to pay the dues?")
    near = {v for f, v in scored if len(f) >= max(best - 1, 2)
            and not (v is Verdict.permitted and not only_may and f < found)} - {Verdict.information}
    if only_may:
        near -= {Verdict.required} - verdicts  # a duty nearby does not answer "may I …?" (see `ruling_for`)
    if len(near) > 1:
        return Verdict.information, found
    return verdicts.pop(), found


def verdict_line(verdict: Verdict, document: str, answered: bool, contact: str) -> str:
    """The one-line headline of an answer."""
    if not answered:
        return f"The policies I have don't answer this. Please ask {contact}."
    return {
        Verdict.prohibited: f"Not allowed: {document} rules this out.",
        Verdict.advised_against: f"Advised against: {document} advises staff not to do this.",
        Verdict.needs_permission: f"Only with permission: {document} allows this only with approval.",
        Verdict.required: f"Required: {document} says this must be done.",
        Verdict.permitted: f"Allowed: {document} permits this.",
        Verdict.information: f"Here is what {document} says.",
    }[verdict]
