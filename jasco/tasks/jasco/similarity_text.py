"""Answer shapes for the offline ``similarity`` proxy: find the predicted action in an ALLM answer.

Pure text functions, no model. Real answers are not one sentence: Qwen2.5-Omni writes
``<Reasoning>...</Reasoning><Conclusion>...</Conclusion>``, Audio Flamingo 3 step-by-step prose
that describes the sound, quotes the speech and ends on "Therefore, the speakers are likely ...".
``answer_shape`` reads them the way upstream's judge prompt asks (Task 2, step 1: split the
answer into the detected sound, the transcribed speech and the predicted action):

1. Tags are never part of any text (``<Reasoning>``, ``</Conclusion>``, any ``<word>``).
2. A ``<Conclusion>`` section (or a ``Conclusion:`` line) is the predicted action when present.
3. Otherwise the predicted action is the last *concluding* sentence (it opens with therefore,
   thus, hence, so, overall or in conclusion), else the last *inference* sentence: one that
   says likely, probably, possibly, suggests, indicates, implies, inferred, ... or names what
   the speakers are doing ("the speakers are ...", "they are ..."). Markers inside quotes do not
   count (the speech may say "They are walking sideways"), but a sentence that quotes the
   speech or mentions the sound still counts when it carries the inference.
   Among inference sentences, the last one about the speakers ("the speakers are", "they
   are") wins over a later remark ("The zipper sound indicates a container").
4. In that sentence the action is what follows its first head ("the speaker(s) / they /
   someone / people / the most likely activity" + is/are/may be...), hedging adverbs such as
   likely or specifically dropped ("the most likely activity is that the speakers are ..." is
   cut twice); without a head, the sentence after its lead-in ("..., it can be inferred that").
   A caption such as "A man is speaking while waves crash" names no head and infers nothing.
5. With no inference sentence at all, ``answer_shape`` returns the sentences and no action: the
   judge then keeps the sentences that do not restate the inputs (an embedding test), so a
   pure description ("The audio clip contains ... The speaker says ...") has no action.

``keyword_hits`` finds the reference keywords in a text with light stemming, one-word variants
of two-word keywords ("count down" / "countdown", "sand castle" / "sandcastle") and hyphens
("drive-thru" / "drive thru").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

_TAG = re.compile(r"<\s*/?\s*[A-Za-z][\w-]*\s*>")
_CONCLUSION_TAG = re.compile(r"<conclusion>(?P<body>.*?)(?:</conclusion>|$)", re.IGNORECASE | re.DOTALL)
_CONCLUSION_LINE = re.compile(
    r"^[\s*_#>-]*(?:final\s+)?(?:conclusion|answer)[\s*_]*:(?P<body>.*)$", re.IGNORECASE | re.MULTILINE
)
_QUOTES = {'"': '"', "“": "”"}
_WORD = re.compile(r"[a-z0-9]+")
_CONNECTIVE = re.compile(
    r"(?:so|therefore|thus|hence|suggesting|indicating|(?:which|this|that) (?:suggests|indicates|means))\b",
    re.IGNORECASE,
)
_CONCLUDING = re.compile(r"^\W*(?:therefore|thus|hence|so|overall|in conclusion|in summary|to conclude)\b", re.I)
_INFERENCE = re.compile(
    r"\b(?:likely|probably|possibly|perhaps|presumably|plausibl[ey]|suggest(?:s|ed|ing)?|indicat(?:e|es|ed|ing)"
    r"|impl(?:y|ies|ied)|infer(?:red)?|conclude|therefore|thus|hence)\b",
    re.IGNORECASE,
)
_VERB = r"(?:are|is|were|was|(?:might|may|could|must|would)\s+be|seem\s+to\s+be|appear\s+to\s+be)"
_SUBJECT = (
    r"(?:the\s+)?(?:speakers?|they|someone|people"
    r"|(?:most\s+(?:likely|plausible|probable)\s+)?activity(?:\s+being\s+performed)?)"
)
_SPEAKERS_HEAD = re.compile(r"\b(?:the\s+)?(?:speakers?|they)\s+" + _VERB + r"\b", re.IGNORECASE)
_ACTION_HEAD = re.compile(rf"\b{_SUBJECT}\s+{_VERB}\b", re.IGNORECASE)
_HEDGES = re.compile(
    r"^(?:\s*(?:,|most|very|highly|likely|probably|possibly|perhaps|presumably|specifically|actively|clearly"
    r"|currently|now|also|indeed|both|all)\b)*[\s,]*",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(r"^.*\b(?:inferred|concluded|likely|clear|evident|seems|appears)\s+that\s+", re.IGNORECASE)
_STOPWORDS = frozenset({"a", "an", "the", "of", "to", "and", "or"})


def strip_tags(text: str) -> str:
    """The text with every ``<tag>`` / ``</tag>`` removed (no tag residue in any piece)."""
    return _TAG.sub(" ", text)


def conclusion(text: str) -> str:
    """The body of the last ``<Conclusion>`` section (an unclosed one runs to the end) or of the
    last ``Conclusion:`` / ``Answer:`` line; '' when there is none."""
    bodies = [m.group("body") for m in _CONCLUSION_TAG.finditer(text)]
    if not bodies:
        bodies = [m.group("body") for m in _CONCLUSION_LINE.finditer(strip_tags(text))]
    bodies = [" ".join(strip_tags(body).split()) for body in bodies]
    return next((body for body in reversed(bodies) if any(c.isalnum() for c in body)), "")


def split_sentences(text: str) -> list[str]:
    """The answer's sentences and inference clauses, the units a restatement is judged on.

    A piece ends at . ! ? or a line break outside double quotes; a new one also starts at a
    capital letter right after a closing quote (``says "Go" They are...``) and at an inference
    connective (so, therefore, thus, hence, suggesting, indicating, which/this suggests,
    indicates, means) after a comma, semicolon, colon or closing quote, as in upstream's example
    answer 'The audio clip contains [sounds] the speaker says [text], this suggests that they are
    [action]'. Terminators inside quotes end nothing.
    """
    pieces: list[str] = []
    start = 0
    closing: str | None = None
    after_quote = after_comma = False
    for index, char in enumerate(text):
        if closing is not None:
            if char == closing or (closing == "”" and char == '"'):
                closing, after_quote = None, True
            continue
        if char == "\n":
            pieces.append(text[start : index + 1])
            start, after_quote, after_comma = index + 1, False, False
            continue
        if char.isspace():
            continue
        if (after_quote and char.isupper()) or ((after_quote or after_comma) and _CONNECTIVE.match(text, index)):
            pieces.append(text[start:index])
            start = index
        after_quote = after_comma = False
        if char in _QUOTES:
            closing = _QUOTES[char]
        elif char in ".!?":
            pieces.append(text[start : index + 1])
            start = index + 1
        elif char in ",;:":
            after_comma = True
    pieces.append(text[start:])
    return [" ".join(piece.split()) for piece in pieces if any(c.isalnum() for c in piece)]


def sentences(text: str) -> list[str]:
    """Whole sentences, tags removed: . ! ? or a line break outside quotes end one, and so does a
    closing quote whose text ends with . ! ? when a capital letter follows (``"Stop." They run``)."""
    out, start, closing = [], 0, None
    clean = strip_tags(text)
    for index, char in enumerate(clean):
        if closing is not None:
            if char == closing or (closing == "”" and char == '"'):
                closing = None
                following = clean[index + 1 :].lstrip()
                if clean[index - 1] in ".!?" and following[:1].isupper():
                    out.append(clean[start : index + 1])
                    start = index + 1
        elif char in _QUOTES:
            closing = _QUOTES[char]
        elif char in ".!?\n":
            out.append(clean[start : index + 1])
            start = index + 1
    out.append(clean[start:])
    return [" ".join(piece.split()) for piece in out if any(c.isalnum() for c in piece)]


def mask_quotes(text: str) -> str:
    """``text`` with every character inside double quotes replaced by '_' (same length)."""
    chars, closing = list(text), None
    for index, char in enumerate(text):
        if closing is not None:
            if char == closing or (closing == "”" and char == '"'):
                closing = None
            else:
                chars[index] = "_"
        elif char in _QUOTES:
            closing = _QUOTES[char]
    return "".join(chars)


def is_inference(sentence: str) -> bool:
    """True when the sentence (outside its quotes) infers something or names what people are doing."""
    masked = mask_quotes(sentence)
    return bool(_INFERENCE.search(masked) or _ACTION_HEAD.search(masked))


def action_of(sentence: str) -> str:
    """The action a sentence predicts: what follows its first "the speakers are"-style head
    (hedging adverbs dropped), else the sentence minus a lead-in such as "it can be inferred that"."""
    head = _ACTION_HEAD.search(mask_quotes(sentence))
    if head:
        rest = sentence[head.end() :]
        hedges = _HEDGES.match(rest)
        rest = rest[hedges.end() :] if hedges else rest
    else:
        lead = _LEAD_IN.match(mask_quotes(sentence))
        rest = sentence[lead.end() :] if lead else sentence
    rest = " ".join(rest.split()).strip(" ,;:")
    if rest.lower().startswith("that "):  # "the most likely activity is that the speakers are ..."
        return action_of(rest[5:])
    return rest if any(c.isalnum() for c in rest) else sentence


@dataclass(frozen=True)
class AnswerShape:
    """What ``answer_shape`` found: the sentences, and the predicted action when one is stated."""

    pieces: tuple[str, ...]  # split_sentences of the tag-free answer (for the restatement test)
    action: str  # the predicted action ('' when the answer states no inference)
    source: str  # "conclusion", "concluding sentence", "inference sentence" or "none"


def answer_shape(answer: str) -> AnswerShape:
    """The predicted action of an answer by the rules in the module docstring."""
    pieces = tuple(split_sentences(strip_tags(answer)))
    body = conclusion(answer)
    if body:
        return AnswerShape(pieces, action_of(body) if is_inference(body) else body, "conclusion")
    inferences = [s for s in sentences(answer) if is_inference(s)]
    concluding = [s for s in inferences if _CONCLUDING.match(s)]
    about_speakers = [s for s in inferences if _SPEAKERS_HEAD.search(mask_quotes(s))]
    if concluding:
        return AnswerShape(pieces, action_of(concluding[-1]), "concluding sentence")
    if inferences:
        return AnswerShape(pieces, action_of((about_speakers or inferences)[-1]), "inference sentence")
    return AnswerShape(pieces, "", "none")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # running -> runn -> run
    while len(word) >= 4 and word.endswith("e"):  # ride/riding -> rid, referee/referees -> refer
        word = word[:-1]
    return word


def _word_forms(text: str) -> set[str]:
    """Stems of the words of ``text`` and of every two adjacent words written as one."""
    stems = [_stem(w) for w in _WORD.findall(text.lower())]
    return set(stems) | {_stem(a + b) for a, b in pairwise(stems)}


def keyword_hits(text: str, keywords: str) -> list[str]:
    """The comma-separated keywords whose every content word (stemmed) occurs in ``text``, or
    whose words written as one word do ("count down" ~ "countdown", "sandcastle" ~ "sand castle")."""
    forms = _word_forms(text)
    hits = []
    for keyword in (k.strip() for k in keywords.split(",")):
        words = [w for w in _WORD.findall(keyword.lower()) if w not in _STOPWORDS]
        if not words:
            continue
        if all(_stem(w) in forms for w in words) or _stem("".join(words)) in forms:
            hits.append(keyword)
    return hits
