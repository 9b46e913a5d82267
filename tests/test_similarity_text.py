"""Answer-shape extraction of the similarity proxy (pure text, no model), on hand-written answers
shaped like real ALLM answers (tags, step-by-step prose, quoted speech, hedges)."""

from __future__ import annotations

import pytest

from jasco.tasks.jasco.similarity_text import (
    action_of,
    answer_shape,
    conclusion,
    is_inference,
    keyword_hits,
    mask_quotes,
    sentences,
    strip_tags,
)


@pytest.mark.parametrize(
    ("answer", "action", "source"),
    [
        # Qwen2.5-Omni's shape: the Conclusion is the predicted action, whatever the reasoning says
        ("<Reasoning>\nThe audio has waves, which suggests a beach. The speaker says \"Let's build a castle.\"\n"
         "Perhaps they are swimming.\n</Reasoning>\n<Conclusion>\nThe speakers are likely building a sandcastle.\n"
         "</Conclusion>", "building a sandcastle.", "conclusion"),
        ("<Reasoning>x</Reasoning><Conclusion>\nPreparing a fruit smoothie.", "Preparing a fruit smoothie.",
         "conclusion"),  # unclosed tag, no subject
        ("Reasoning: waves and a castle.\n**Conclusion:** They are building a sandcastle.",
         "building a sandcastle.", "conclusion"),
        # AF3's shape: the concluding sentence wins over earlier inferences
        ("The audio features waves, indicating a beach. The speaker says \"Let's go fishing.\" "
         "Therefore, combining the sound with the speech, the speakers are specifically engaged in fishing "
         "from the shore.", "engaged in fishing from the shore.", "concluding sentence"),
        # the speech may contain "They are ...": inside quotes it is no inference
        ("The audio has waves. The speaker says \"Look! They are walking sideways.\" "
         "This strongly suggests the speakers are watching crabs.", "watching crabs.", "inference sentence"),
        # a sentence that mentions the sound still carries the inference
        ("The crackling of a fire suggests that they are roasting marshmallows.", "roasting marshmallows.",
         "inference sentence"),
        # the last sentence about the speakers, not a later remark about the sound
        ("Based on the zipper, the speakers are likely packing a bag. The zipper sound indicates a container.",
         "packing a bag.", "inference sentence"),
        ("Combining these, the most plausible activity is that the speaker is talking to a rider.",
         "talking to a rider.", "inference sentence"),
        ("Based on the sizzling, it can be inferred that a steak is being cooked rare.",
         "a steak is being cooked rare.", "inference sentence"),
    ],
)
def test_answer_shape_finds_the_predicted_action(answer: str, action: str, source: str) -> None:
    shape = answer_shape(answer)
    assert (shape.action, shape.source) == (action, source)
    assert all("<" not in piece and ">" not in piece for piece in shape.pieces)  # no tag residue


@pytest.mark.parametrize(
    "answer",
    [
        'The audio clip contains the sound of waves. The speaker says "They are probably lost, so we go."',
        "The audio clip contains the sound of a cough. The speaker says In this case, it's better to do another test.",
        "<Reasoning>The audio contains rain.</Reasoning>",
        "A man is speaking while waves crash. A woman laughs.",  # a caption infers nothing
        "",
    ],
)
def test_a_pure_description_states_no_action(answer: str) -> None:
    shape = answer_shape(answer)
    assert shape.action == "" and shape.source == "none"


def test_tags_and_conclusions() -> None:
    assert strip_tags("<Reasoning>a</Reasoning> <Conclusion>b</ Conclusion >").split() == ["a", "b"]
    assert conclusion("<Conclusion>first</Conclusion> more <Conclusion>\n second \n</Conclusion>") == "second"
    assert conclusion("<Conclusion> </Conclusion>") == "" and conclusion("no tags") == ""


def test_quotes_are_masked_and_sentences_keep_quotes_whole() -> None:
    assert mask_quotes('says "they are" ok') == 'says "________" ok'
    assert sentences('He says "Stop. Now." They run.\nNext') == ['He says "Stop. Now."', "They run.", "Next"]
    assert not is_inference('The speaker says "They are likely late."')
    assert is_inference("Perhaps a party.") and is_inference("The speakers are at a party.")


def test_action_of_cuts_heads_and_hedges() -> None:
    assert action_of("They are likely fishing.") == "fishing."
    assert action_of("The speaker is most likely specifically cooking a steak.") == "cooking a steak."
    assert action_of("They a planning to build a castle.") == "They a planning to build a castle."  # no head
    assert action_of("They are.") == "They are."  # nothing after the head: the sentence itself


def test_keyword_hits_know_one_word_variants_of_two_word_keywords() -> None:
    assert keyword_hits("a New Year's countdown", "count down") == ["count down"]
    assert keyword_hits("counting down to midnight", "countdown") == ["countdown"]
    assert keyword_hits("building a sand castle", "sandcastle") == ["sandcastle"]
    assert keyword_hits("ordering at a drive thru", "drive-thru,street vendor") == ["drive-thru"]
    assert keyword_hits("the referees officiate", "sport,referee") == ["referee"]
    assert keyword_hits("a castle of sand", "sandcastle") == []  # words must be adjacent
    assert keyword_hits("birds watching", "birdwatching") == ["birdwatching"]
