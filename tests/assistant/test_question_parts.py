"""A question that asks two things is searched for and answered part by part: the split itself,
the answer leading with the best sentence for each part, and, on the sample index with the real
model, retrieval and the answer covering both halves."""
from __future__ import annotations

import pytest

from evidence_assistant.answering.extractive import candidates, score_candidates, select
from evidence_assistant.answering.parts import question_parts
from evidence_assistant.core.types import Passage, ScoredPassage
from small_index import open_assistant
from test_extractive import WordEmbedder


@pytest.mark.parametrize("question, parts", [
    ("How many notices were issued, and which bodies are excluded from the general notice?",
     ["How many notices were issued?", "Which bodies are excluded from the general notice?"]),
    ("How many respondents cited technical skills and how many cited pay scales?",
     ["How many respondents cited technical skills?", "How many cited pay scales?"]),
    ("What date does the notice bear, and on what date was the privacy notice updated?",
     ["What date does the notice bear?", "On what date was the privacy notice updated?"]),
    ("Which body does the notice name, and according to the FAQs, which project did a requirement relate to?",
     ["Which body does the notice name?", "According to the FAQs, which project did a requirement relate to?"]),
    ("What does ECS stand for in the glossary, and on what consent basis is its core extract sent?",
     ["What does ECS stand for in the glossary?", "On what consent basis is its core extract sent? (ECS)"]),
    ("Which hub does the plan promise, and, according to the survey report, from which sectors do members come?",
     ["Which hub does the plan promise?", "According to the survey report, from which sectors do members come?"]),
    ("What rate does the summary cite, and according to the framework, roughly what level should rates fall to?",
     ["What rate does the summary cite?", "According to the framework, roughly what level should rates fall to?"]),
    ("Which depots does the plan list, and on the council's web page, which route is shown for the depots?",
     ["Which depots does the plan list?", "On the council's web page, which route is shown for the depots?"]),
])
def test_a_question_asking_two_things_is_split_where_and_opens_a_new_question(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize("question, parts", [
    ("What is the average team size in trusts and in local health boards?",
     ["What is the average team size in trusts?", "What is the average team size in local health boards?"]),
    ("In which years did the college publish its shared record report and its guidance on giving patients access "
     "to their electronic health records?",
     ["In which years did the college publish its shared record report?",
      "In which years did the college publish its guidance on giving patients access to their electronic health records?"]),
    ("In Table 1, how many participants were there in Liverpool and in Portsmouth?",
     ["In Table 1, how many participants were there in Liverpool?",
      "In Table 1, how many participants were there in Portsmouth?"]),
])
def test_the_same_question_of_two_things_each_after_its_preposition_is_asked_of_each(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize("question, parts", [
    # "… and by when" says too little to be searched alone: it stays with the piece before it,
    # and the question goes on to its second part.
    ("What response time does the ambulance plan set, and by when; and how many crews does the rota list for "
     "nights?",
     ["What response time does the ambulance plan set, and by when?",
      "How many crews does the rota list for nights?"]),
    ("When did the ferry licence start and when was it renewed, and which council signed off the timetable?",
     ["When did the ferry licence start, and when was it renewed?",
      "Which council signed off the timetable?"]),
])
def test_a_piece_saying_too_little_alone_stays_with_the_piece_before_it(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize("question, parts", [
    ("In the worked example of the ferry timetable, what figure and what discount did a child travelling alone get?",
     ["In the worked example of the ferry timetable, what figure did a child travelling alone get?",
      "What discount did a child travelling alone get?"]),
    ("According to the harbour log, on what date and where was the first lantern lit?",
     ["According to the harbour log, on what date was the first lantern lit?", "Where was the first lantern lit?"]),
])
def test_a_piece_asking_only_what_of_the_next_piece_is_asked_of_what_that_piece_says(question, parts):
    # The first piece says nothing of its own ("what figure"): it asks it of the second's subject.
    assert question_parts(question) == parts


def test_a_piece_asking_only_of_the_statement_before_it_is_still_a_part():
    q = "The harbour log names the keeper who lit the lantern. Who is this, and what role did the same person have in the ferry plan?"
    assert len(question_parts(q)) == 2


def test_a_lead_statement_goes_with_the_first_part_and_with_a_part_pointing_back_to_it():
    q = "The strategy set a target for care records. What was the target, and what did the board paper say of it?"
    assert question_parts(q) == [
        "The strategy set a target for care records. What was the target?",
        "The strategy set a target for care records. What did the board paper say of it?"]
    q = ("The review and the charter both quote the regulator. According to the former, who may see a record, "
         "and according to the latter, when may a recording be made?")
    assert all(part.startswith("The review and the charter both quote") for part in question_parts(q))


def test_a_later_part_naming_its_own_source_is_searched_without_the_statement():
    q = ("The travel plan describes a duty to publish a route map. Over how many years does that map look ahead, "
         "and which other map does the county framework say will be reviewed alongside it?")
    parts = question_parts(q)  # the second part points back ("alongside it"): both carry the statement
    assert len(parts) == 2 and all(p.startswith("The travel plan describes a duty") for p in parts)
    q = ("The travel plan describes a duty to publish a route map. Over how many years does that map look ahead, "
         "and which code does the county register give for the ring road?")
    assert question_parts(q) == [
        "The travel plan describes a duty to publish a route map. Over how many years does that map look ahead?",
        "Which code does the county register give for the ring road?"]


def test_a_later_part_pointing_to_who_it_names_as_saying_it_does_not_carry_the_first_parts_names():
    """"… and what kind of register does the County Travel Plan say it will keep?": "it" is the
    plan the part names as speaking, not what the first part names; "this year" is the time of
    speaking. A part pointing back to what the first part names carries its names, and so does
    one whose speaker is not named ("… does the report say it cost?": what cost is the first
    part's)."""
    q = ("How many depots does the Harbour Board run, and what kind of register does the County Travel Plan say it "
         "will keep?")
    assert question_parts(q) == ["How many depots does the Harbour Board run?",
                                 "What kind of register does the County Travel Plan say it will keep?"]
    q = "Which depot did the Harbour Board open, and how much does the report say it cost?"
    assert question_parts(q)[1] == "How much does the report say it cost? (Harbour Board)"
    q = "Which depot did the Harbour Board open, and how many lorries does the county plan say will be bought this year?"
    assert question_parts(q)[1] == "How many lorries does the county plan say will be bought this year?"
    q = "Which depot did the Harbour Board open, and how many lorries does it run?"
    assert question_parts(q)[1] == "How many lorries does it run? (Harbour Board)"
    q = "Which depot did the Harbour Board open, and how many lorries does the County Plan say its depot runs today?"
    assert question_parts(q)[1] == "How many lorries does the County Plan say its depot runs today?"
    # A pronoun before the verb of saying still points back.
    q = "Which depot did the Harbour Board open, and when did its owner say the county plan would start?"
    assert question_parts(q)[1].endswith("(Harbour Board)")


@pytest.mark.parametrize("question", [
    "How much does the award make available, and over how long?",  # the second half says too little alone
    "What are the roles of NHS England and the Department?",  # "and" joins two names, not two questions
    "When was the Expert Panel evaluation published?",
    "Which trusts and hospitals make up the consortium?",
    "Who funds research in England and Wales?",  # one preposition: one place of two names
    "What is the team size in trusts, and in which regions?",  # a comma: not the same question twice
])
def test_one_question_stays_whole(question):
    assert question_parts(question) == [question]


def _passage(text: str, n: int) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text)), 1.0 - n / 10)


def test_the_best_sentence_for_each_part_leads_the_answer_even_below_the_gap():
    passages = [_passage("Four notices were issued by the Secretary of State to share data for the response. "
                         "The notices were issued to share data and were issued for the response.", 0),
                _passage("NHS Digital is excluded because it received a separate notice.", 1)]
    cands = candidates(passages)
    vecs = score_candidates("How many notices were issued for the response?", cands, WordEmbedder(), n_passages=2)
    second = next(i for i, c in enumerate(cands) if c.text.startswith("NHS Digital"))
    alone = select(cands, vecs, max_sentences=3, gap=0.01)
    assert all(not c.text.startswith("NHS Digital") for c in alone)  # below the gap on the whole question
    first = max(range(len(cands)), key=lambda i: cands[i].score)
    got = select(cands, vecs, max_sentences=3, gap=0.01, first=[first, second])
    assert [c.text for c in got[:2]] == [cands[first].text, cands[second].text]


@pytest.mark.slow
def test_both_halves_are_retrieved_and_answered_on_the_sample_index(sample_index):
    """The real model and index: a question joining two facts from different documents gets
    both, each quoted and cited; with splitting off, the answer gives only one of them."""
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings

    q = "What overall rating did the Expert Panel give, and how many users had the NHS App passed by January 2023?"
    assert len(question_parts(q)) == 2
    texts = {}
    for split in (True, False):
        with Assistant.open(sample_index, Settings(split_questions=split)) as a:
            ans = a.ask(q)
            hits = a.retriever.search(q, k=5).results
        assert ans.citations and all(c.exact for c in ans.citations)
        texts[split] = (ans.text, " ".join(sp.passage.text for sp in hits))
    answer, top5 = texts[True]
    assert "inadequate" in answer.lower() and "30 million" in answer
    assert "30 million" in top5
    whole = texts[False][0]
    assert not ("inadequate" in whole.lower() and "30 million" in whole)


def test_the_parts_rankings_are_taken_in_turn_after_the_whole_question():
    from evidence_assistant.answering.retrieve import in_turn

    assert in_turn([["a", "b", "c"], ["d", "a"], ["b", "e"]]) == ["a", "d", "b", "e", "c"]
    assert in_turn([[], ["x"]]) == ["x"] and in_turn([]) == []


def _scored_by_part(passages: list[ScoredPassage], parts: list[str]) -> list[list]:
    """The passages' candidates scored against each part on its own, as the answerer scores them."""
    scored = []
    for part in parts:
        own = candidates(passages)
        score_candidates(part, own, WordEmbedder(), n_passages=len(passages))
        scored.append(own)
    return scored


def test_a_part_whose_best_sentence_answers_the_other_part_takes_its_next_best():
    """"What target did the Budget set for next year, and for how many years does the plan set a
    2% target?": the sentence stating the 2% target is the best for both parts; the one saying
    for how many years answers the second, so it is the second part's answer. A next best far
    below adds nothing."""
    from evidence_assistant.answering.extractive import part_bests

    passages = [_passage("The Budget confirmed that the service would have a productivity target of 2% for next year.", 0),
                _passage("Over the next 3 years gains of that size are expected each year.", 1)]
    parts = question_parts("What productivity target did the Budget set for next year, and for how many years "
                           "does the plan set the service a 2% productivity target?")
    assert len(parts) == 2
    scored = _scored_by_part(passages, parts)
    bests = [max(range(len(own)), key=lambda i: own[i].score) for own in scored]
    assert bests[0] == bests[1] == 0  # the first sentence is the best for both parts
    gap = scored[1][0].score - scored[1][1].score
    assert part_bests(scored, near=gap + 0.01) == [0, 1]
    assert part_bests(scored, near=gap - 0.01) == [0]  # too far below the second part's best: no second answer


def test_a_parts_second_best_close_to_its_best_comes_after_the_parts_answers():
    """A part's answer may sit in its second best sentence: it is taken after each part's best
    when close to that part's best, and left out when far below it or already an answer."""
    from evidence_assistant.answering.extractive import part_bests, part_runners_up

    passages = [_passage("The harbour fund was set up by the county council in 2019. "
                         "The harbour fund was given 120 pounds by the county council.", 0),
                _passage("Lantern keepers are trained by the coastal guild every spring.", 1)]
    parts = question_parts("When was the harbour fund set up by the county council, and who trains the lantern keepers?")
    assert len(parts) == 2
    scored = _scored_by_part(passages, parts)
    bests = part_bests(scored)
    assert [scored[0][i].text.split()[0] for i in bests] == ["The", "Lantern"]
    ranked = sorted(range(3), key=lambda i: -scored[0][i].score)
    gap = scored[0][ranked[0]].score - scored[0][ranked[1]].score
    # The first part's runner-up (the fund's other sentence) comes when close enough; the second
    # part's runner-up is the first part's answer, already taken.
    assert part_runners_up(scored, bests, near=gap + 0.01) == [ranked[1]]
    assert part_runners_up(scored, bests, near=gap - 0.01) == []
    cands = candidates(passages)
    vecs = score_candidates(" ".join(parts), cands, WordEmbedder(), n_passages=2)
    got = select(cands, vecs, max_sentences=4, gap=0.0, reach=0.0, first=bests, also=[ranked[1]])
    assert [c.text for c in got] == [c.text for c in cands]  # every sentence, the runner-up among them
    assert [c.text for c in select(cands, vecs, max_sentences=4, gap=0.0, reach=0.0, first=bests)] != \
        [c.text for c in cands]


def test_the_sentence_going_on_from_a_parts_answer_comes_with_it():
    """"Systems must now use the drug dictionary." then "This change was made to support the
    electronic transmission of prescriptions.": asked what the move was meant to support, the
    sentence that goes on from the part's best answer holds it, and comes right after it."""
    from evidence_assistant.answering.extractive import part_bests

    passages = [_passage("The glossary lists the drug dictionary under its initials.", 0),
                _passage("Prescribing systems must now conform to the drug dictionary for prescribing systems. "
                         "This change was made to support the electronic transmission of prescriptions.", 1)]
    parts = ["What does the glossary list under its initials?",
             "Which service was the move to the drug dictionary in prescribing systems meant to support?"]
    scored = _scored_by_part(passages, parts)
    texts = [scored[0][i].text.split()[0] for i in part_bests(scored)]
    assert texts == ["The", "Prescribing", "This"]
    assert scored[1][2].leans and scored[1][2].score < scored[1][1].score  # not the part's best on its own
    # A sentence going on from it that answers the part far worse does not come along.
    for c in scored[1]:
        if c.leans:
            c.score -= 1.0
    assert [scored[0][i].text.split()[0] for i in part_bests(scored)] == ["The", "Prescribing"]


def test_how_often_is_searched_for_in_the_words_documents_use(sample_index):
    """"How often …" is answered under a heading like "Frequency and timeliness" ("on a quarterly
    basis"): the word search looks for "frequency" too, and the meaning search reads the question
    as asked."""
    from evidence_assistant import Assistant
    from evidence_assistant.answering.retrieve import lexical_query

    assert lexical_query("How often will the list be reviewed?") == "How often will the list be reviewed? frequency"
    assert lexical_query("How many lists are there?") == "How many lists are there?"
    with Assistant.open(sample_index) as a:
        searched: list[str] = []
        search = a.retriever.index.lexical.search
        a.retriever.index.lexical.search = lambda q, *args, **kw: searched.append(q) or search(q, *args, **kw)
        a.retriever.search("How frequently is the evaluation repeated?")
    assert searched and all(q.endswith(" frequency") for q in searched)


def test_a_second_question_opening_with_within_or_during_is_its_own_part():
    from evidence_assistant.answering.parts import question_parts

    q = ("Which three conditions are the first service frameworks focused on, and within what period will the NHS "
         "move to a single national formulary?")
    assert question_parts(q) == ["Which three conditions are the first service frameworks focused on?",
                                 "Within what period will the NHS move to a single national formulary?"]
    q = "How many people took part in the survey, and during which months did it run?"
    assert len(question_parts(q)) == 2


def test_a_part_referring_to_the_first_parts_answer_is_recognised():
    from evidence_assistant.answering.parts import answer_names, refers_to_answer

    assert refers_to_answer("What does that body publish?")
    assert refers_to_answer("What role did the same person play in the review?")
    assert not refers_to_answer("What does the county plan say about ward rotas?")
    assert answer_names("The plan names the Northgate Records Office as keeper of the rotas (NRO).") == \
        ["Northgate Records Office", "NRO"]


# The second part can only be searched for with the first part's answer: nothing in "what does
# that body publish?" points to the Northgate office, and other bodies publish things too.
FOLLOW_BACK = {
    "county_plan.md": "# County plan\n\nThe county plan names the Northgate Records Office as the body that keeps "
                      "ward rotas for every hospital.\n",
    "northgate.md": "# Northgate Records Office statement\n\nNorthgate Records Office publishes a quarterly bulletin "
                    "of staffing figures.\n",
    **{f"other_{n}.md": f"# {name} notes\n\nThe {name} publishes a monthly newsletter about what bodies publish "
                        f"for staff.\n"
       for n, name in enumerate(["Coastal Board", "Hill Council", "Valley Forum", "Harbour Panel", "Moor Trust"])},
}


@pytest.fixture(scope="module")
def follow_back(tmp_path_factory):
    a = open_assistant(tmp_path_factory.mktemp("follow-back"), FOLLOW_BACK, top_k=3)
    yield a
    a.close()


@pytest.mark.slow
def test_a_part_referring_to_the_first_parts_answer_is_searched_with_it(follow_back, monkeypatch):
    question = "Which body does the county plan say keeps ward rotas, and what does that body publish?"
    shown_first = [sp.passage.path for sp in follow_back.retriever.search(question).results]
    assert not any(p.endswith("northgate.md") for p in shown_first)  # the question alone does not find it
    answer = follow_back.ask(question)
    assert "Northgate Records Office as the body" in answer.text and "quarterly bulletin" in answer.text
    # Without the second search the bulletin is not found.
    from evidence_assistant.answering import stages
    monkeypatch.setattr(stages.Stages, "_follow_back", lambda self, turn: False)
    assert "quarterly bulletin" not in follow_back.ask(question).text


@pytest.mark.slow
def test_each_further_part_of_a_question_brings_passages_of_its_own(follow_back, monkeypatch):
    """The answerer reads ``part_passages`` more passages for each part after the first, so the
    second part's own best are not crowded out by the whole question's and the first part's. A
    caller asking for k passages gets k, and a one-part question reads top_k."""
    two = "Which body does the county plan say keeps ward rotas, and what does that body publish?"
    one = "Which body does the county plan say keeps ward rotas?"
    retriever = follow_back.retriever
    for extra in (0, 1, 2):
        monkeypatch.setattr(retriever, "settings", follow_back.settings.model_copy(update={"part_passages": extra}))
        assert len(retriever.search(two).results) == 3 + extra
        assert len(retriever.search(one).results) == 3
        assert len(retriever.search(two, k=3).results) == 3
