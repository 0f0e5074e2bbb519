"""When the extractive answerer declines: the passages hold the topic of a question but not the
fact it asks for — the year it names, a share rather than any number, a span of time, a count of
the thing asked about, a place or body named in the question in the passage that would answer.
And when it must not: a year that is part of a document's name, a sentence that names its subject
only through the heading it points back to, a question in two parts. Small hand-written texts;
a bag-of-words stand-in for the embedding model, so each test runs in well under a second."""
from __future__ import annotations


import pytest

from evidence_assistant.answering.answerable import answers_the_type, counted_thing, counts, holds_type
from evidence_assistant.answering.extractive import Candidate, candidates, score_candidates
from evidence_assistant.answering.premise import action_of, check_premise
from evidence_assistant.core.types import Passage, ScoredPassage
from test_extractive import WordEmbedder  # the same instant bag-of-words stand-in


def passage(text: str, n: int = 0, *, title: str | None = None, date: str | None = None) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0, char_end=len(text),
                                 title=title, date=date), 1.0 - n / 10)


def judged(question: str, *texts: str, title: str | None = None, date: str | None = None) -> tuple[bool, str | None]:
    ps = [passage(t, n, title=title, date=date) for n, t in enumerate(texts)]
    cands = candidates(ps)
    score_candidates(question, cands, WordEmbedder(), n_passages=len(ps))
    return answers_the_type(question, cands, ps)


@pytest.mark.slow
def test_the_sample_corpus_declines_a_year_it_never_states(sample_assistant):
    """On the sample corpus (real index, real model): the topic is there, the year asked about is not."""
    q = "What did the Expert Panel conclude about the integrated care record in {}?"
    ans = sample_assistant.ask(q.format(2037))
    assert ans.verdict == "no_answer"
    assert ans.notes[-1] == "No passage retrieved for the question states the year it asks about. The nearest are listed."
    assert sample_assistant.ask(q.format(2023)).verdict != "no_answer"



def test_a_year_asked_about_that_no_passage_states_is_not_answered():
    targets = ("The plan's waiting time target is 65% of patients seen within 18 weeks in 2026/27, "
               "rising to 92% in 2028/29.")
    q = "What is the {} target for waiting times in the plan?"
    assert judged(q.format("2027/28"), targets) == (False, None)  # nothing is asked "for", yet the year is not there
    assert judged(q.format("2026/27"), targets)[0]
    assert judged(q.format("2028/2029"), targets)[0]  # the same financial year, written in full
    assert judged(q.format("2027-28"), targets.replace("2026/27", "2027-28"))[0]
    # A calendar year: in the text, as the end of a financial year, or as the document's date.
    visits = "The portal received more visits than in any year before."
    assert not judged("How many visits did the portal receive in 2022?", visits)[0]
    assert not judged("What did the portal receive in 2022?", visits)[0]
    assert judged("What did the portal receive in 2022?", visits, date="2022-05")[0]
    assert judged("What did the portal receive in 2022?", visits + " It was rebuilt in 2021/22.")[0]


def test_a_year_in_a_documents_name_is_not_the_year_asked_about():
    title = "Connected Care in 2040: The Workforce We Need"
    said = ["Figure 2 | The digital workforce leading up to 2040 | 9",
            "This project looks ahead to the digital workforce of 2040.",
            "Demand was modelled for the period 2020 to 2040.",
            "Leads were approached in July 2021 and the forecasting exercise was presented at a webinar."]
    text = " ".join(said)
    ps = [passage(text, title=title)]
    # The closest sentences state only the year of the document's name; the fourth dates the webinar.
    cands = [Candidate(0, text.index(t), text.index(t) + len(t), t, score=1.0 - i / 10) for i, t in enumerate(said)]
    q = "On what date was the Connected Care in 2040 forecasting exercise presented at a webinar?"
    assert answers_the_type(q, cands, ps) == (True, "date")
    # Asked about as a year, it is still required of the passages.
    assert not judged("On what date in 2040 will the workforce be larger?", "The workforce will be larger by 1 April "
                      "2035.", title="Another report")[0]


def test_a_sentence_that_points_back_is_read_with_the_heading_it_points_to():
    text = ("4.2 Keeping Records Safe: A Strategy for Clinics\n\n"
            "This document, published in March 2003, set out the approach to confidentiality.")
    q = "When was 'Keeping Records Safe: A Strategy for Clinics' published?"
    assert judged(q, text) == (True, "date")
    # From a lead that is a sentence, what it names counts; what else it says is its own.
    lab = "The Data Lab is run by the Health Board. It will make £5m available over two years to test new tools."
    assert judged("How much money will the Data Lab make available?", lab) == (True, "money")
    visits = "People use online services to book visits. It was reported in March 2020 that trusts had records."
    assert judged("When did people start to use online services to book visits?", visits) == (False, "date")


def test_a_name_the_question_gives_must_be_in_the_passage_that_answers():
    survey = "In the survey, 83% of Tier 3 respondents supported a single patient record."
    places = "Responses came from people living in England, Scotland and Wales."
    q = "What percentage of Tier 3 respondents in {} supported a single patient record?"
    assert judged(q.format("Wales"), survey, places) == (False, "share")  # Wales is named, but not where 83% is
    assert judged(q.format("England"), survey.replace("respondents", "respondents in England"), places)[0]
    # A name the passage gives by its initials is given.
    q = "What percentage of trusts in the Digital Pathways programme had a record?"
    assert judged(q, "Of the trusts in the DP programme, 88% had a record.", "The Digital Pathways (DP) team.")[0]
    # A question in two parts names each part's subject apart: each part's passage holds its own.
    q = "Who runs the Data Lab, and who runs the Innovation Award?"
    assert judged(q, "The Data Lab is run by Professor Jane Doe of the Data Lab team.",
                  "The Innovation Award is run by Dr John Roe for the Innovation Award board.")[0]


def test_a_question_for_a_share_needs_a_share_not_any_number():
    q = "What cancer detection rate did the screening tool achieve in the study?"
    assert judged(q, "The screening tool was tested in a study at two of the sites, on cancer detection.") == \
        (False, "share")
    assert judged(q, "In the study the screening tool achieved a cancer detection rate of 8.4 per 1,000.")[0]
    q = "What percentage of trusts had an electronic record?"
    assert not judged(q, "Seven trusts had an electronic record, and three more had plans for one.")[0]
    assert judged(q, "Of all trusts, 88% had an electronic record.")[0]


def test_a_span_of_time_is_needed_for_how_many_years():
    q = "For how many years must recordings of the conversations be kept under the standard?"
    rules = "Recordings of the conversations form part of the record and must be kept under the standard."
    assert judged(q, rules) == (False, "duration")
    assert judged(q, rules.replace("must be kept", "must be kept for eight years"))[0]
    assert judged("How many days did the consultation on the standard run?",
                  "The consultation on the standard ran from 24 February to 22 April 2020.")[0]


def test_a_count_is_of_the_thing_asked_about():
    assert counted_thing("How many innovators attended the event in London?") == ["innov"]
    assert counted_thing("How many funded places were offered?") == ["fund", "place"]  # the first word is the thing's
    # "five" counts areas, not innovators.
    assert not counts("There was consensus on the top five areas digital innovators would like us to focus on.",
                      ["innov"])
    assert counts("Over 100 innovators attended the event.", ["innov"])
    assert counts("Seven NHS trusts took part.", ["trust"])
    assert counts("Nine commitments were evaluated; four were rated inadequate.", ["commit"])
    q = "How many innovators attended the December event in London?"
    assert not judged(q, "There was consensus on the top five areas digital innovators raised at the December event "
                         "in London.")[0]


def test_the_act_of_a_passive_question_is_the_verb_before_by():
    assert action_of("Why was the Datapipe tool developed by Riverside Foundation?", "Riverside Foundation") == "develop"
    assert action_of("Why did Jane Doe chair the panel?", "Jane Doe") == "chair"
    tool = [passage("Riverside Foundation Trust\n\nDatapipe is already deployed in a large NHS trust. Hillcrest "
                    "Hospital, together with the Northern Institute, has developed an open-source tool called "
                    "Datapipe.")]
    assert check_premise("Why was Datapipe developed by Riverside Foundation Trust?", tool).rejected
    assert not check_premise("Why was Datapipe developed by Hillcrest Hospital?", tool).rejected


def test_the_document_a_question_names_as_its_source_need_not_be_named_in_the_sentence():
    """"…, according to the Observatory's annual report?" names where to read, not what the
    answering sentence says; the words must still be held by the passage's document."""
    text = "As the analyst community has 17,000+ members, the survey went out through its mailing list."
    q = "How many members does the analyst community have, according to the Observatory State of the Nation report?"
    assert judged(q, text, title="Observatory State of the Nation report") == (True, "number")
    # Another document's passage does not answer for the one named.
    assert not judged(q, text, title="Workforce plan")[0]
    # Without the clause naming the source, the same words are what the sentence must be about.
    assert not judged("How many members does the analyst community of the Observatory State of the Nation have?",
                      text, title="Workforce plan")[0]


def test_a_sentence_setting_aside_what_is_asked_about_does_not_answer():
    rate = "In August 2024, the all staff (excluding medics) leaver rate was 6.96%, below the plan's target."
    assert not judged("What was the leaver rate for medical staff in August 2024?", rate)[0]
    assert judged("What was the leaver rate for all staff in August 2024?", rate)[0]


def test_a_number_naming_a_part_of_a_law_or_a_document_counts_nothing():
    """"regulation 3(1)", "section 251", "Table 4" name parts; they are no answer to "how many"."""
    notice = "This Notice requires organisations to process information as set out in regulation 3(1) of COPI."
    assert not judged("How many organisations received the notices?", notice)[0]
    assert judged("How many organisations received the notices?",
                  notice.replace("requires organisations", "requires 40 organisations"))[0]
    assert not holds_type("Approval under section 251 of the Act, as in Table 4.", "number")


GROWTH = ("Table 1 – activity growth by points of delivery: Activity category: Outpatients; Growth on a year earlier: 5.2%"
          "\n\nTable 1 – activity growth by points of delivery: Activity category: Elective spells; "
          "Growth on a year earlier: 7.4%")


def test_a_table_without_the_row_asked_about_does_not_answer():
    """Caption and headers are every row's; only a row's own cells say which row it is."""
    assert judged("In Table 1, what was the activity growth for community health services?", GROWTH) == (False, "row")
    assert judged("In Table 1, what was the activity growth for outpatients?", GROWTH) == (True, None)
    # Asked for a figure, the same: a row's figure answers only for that row.
    assert not judged("In Table 1, what percentage growth did community health services see?", GROWTH)[0]
    assert judged("In Table 1, what percentage growth did elective spells see?", GROWTH)[0]


def test_on_what_date_is_not_answered_by_a_year_alone():
    q = "On what date did the Test Bed start reading live screening cases?"
    assert not judged(q, "In 2018, the Test Bed formed a partnership to start reading live screening cases.")[0]
    assert judged(q, "On 4 March 2019, the Test Bed started reading live screening cases.")[0]
    assert judged(q, "The Test Bed started reading live screening cases in March 2019.")[0]
    # "When …" asks less: a year answers it.
    assert judged("When did the Test Bed start reading live screening cases?",
                  "In 2018, the Test Bed started reading live screening cases.")[0]


def test_page_furniture_answers_no_question():
    """A contents line holds capitalised names and a date; it is no answer to who or when."""
    contents = ("Contents Children and young people's data dashboard Better for children Award-winning automation "
                "Better for Applicants Annual Impact Report 2023/24")
    assert not judged("Who built the children and young people's data dashboard?", contents)[0]
    assert judged("Who built the children and young people's data dashboard?",
                  "The children and young people's data dashboard was built by Jane Smith's team.")[0]


def test_a_survey_the_question_names_is_held_by_its_documents_other_passages():
    """"… in its Widget Census survey": the sentence giving the figure seldom names the survey
    again; another passage of the same document does. A place the question names is still
    needed in the answering passage itself."""
    said = ["The Widget Census survey ran for six weeks across England and Wales.",
            "Overall, 63% of respondents use a widget every day."]
    ps = [ScoredPassage(Passage(passage_id=f"p{n}", doc_id="d0", seq=n, text=t, char_start=0, char_end=len(t),
                                title="Annual review of widgets"), 1.0 - n / 10) for n, t in enumerate(said)]

    def answered(question: str) -> bool:
        cands = candidates(ps)
        score_candidates(question, cands, WordEmbedder(), n_passages=len(ps))
        return answers_the_type(question, cands, ps)[0]

    assert answered("What share of respondents to its Widget Census survey use a widget every day?")
    assert not answered("What share of respondents in Wales use a widget every day?")
    # The same name, not given as a survey's, is what the answering passage must hold.
    assert not answered("What share of respondents from Widget Census use a widget every day?")


def test_the_publisher_a_question_names_may_be_the_passages_documents():
    """"… developed by Transformation Partners …": the passage need not repeat its publisher."""
    text = "A national data dashboard our team developed went live in April 2023."
    q = "When did the national data dashboard developed by Transformation Partners go live?"
    ps = [ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text),
                                title="Annual Impact Report", publisher="Transformation Partners in Health and Care"),
                        1.0)]
    cands = candidates(ps)
    score_candidates(q, cands, WordEmbedder(), n_passages=1)
    assert answers_the_type(q, cands, ps) == (True, "date")
    other = [ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text),
                                   title="Annual Impact Report", publisher="Another Trust"), 1.0)]
    assert not answers_the_type(q, candidates(other), other)[0]


def test_the_number_of_a_case_study_or_a_web_address_is_no_figure():
    """"By how much did the team reduce emergency admissions?" is not answered by a pointer to
    "case study 7" at a web address full of digits; a sentence stating the reduction answers it."""
    q = "By how much did the frailty team in Northamptonshire reduce emergency admissions?"
    pointer = ("Learn more about Northamptonshire's frailty team and emergency admissions in case study 7 "
               "(https://www.england.nhs.uk/long-read/frailty-2025-26/).")
    assert not holds_type(pointer, "number")
    assert not judged(q, pointer)[0]
    assert judged(q, pointer + " The frailty team in Northamptonshire reduced emergency admissions by 12%.")[0]
    assert holds_type("Recommendation 4 asks for 300 more analysts.", "number")


def test_what_is_asked_for_is_read_past_according_to_the_document():
    from evidence_assistant.answering.answerable import expected_type

    question = "According to the workforce report, how much did the 2017 cyber-attack cost the NHS in pounds?"
    assert expected_type(question) == "money"
    ok, want = judged(question, "The 2017 cyber-attack led to 19,000 patient appointments being cancelled.")
    assert (ok, want) == (False, "money")  # a count of appointments is no cost
    assert judged(question, "The 2017 cyber-attack cost the NHS £92 million in lost output and IT support.")[0]


def test_what_counts_as_something_asks_for_no_number():
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("What activities count as 'processing' of information?") is None
    assert expected_type("What was the count of beds in the survey?") == "number"


def test_a_website_asked_for_is_answered_only_by_an_address():
    question = "What website does the paperless chapter give for the ACS Crosscare user group?"
    rows = ("Table 9.1: System: INPS Vision; User group website: www.nvug.org\n\n"
            "Table 9.1: System: ACS Crosscare; User group website: ???")
    ok, want = judged(question, "GP computer systems often have user groups which can help and advise practices.",
                      "Table 9.1: System: ACS Crosscare; User group website: ???")
    assert (ok, want) == (False, "address")
    assert judged("What website does the paperless chapter give for the INPS Vision user group?", rows)[0]


def test_a_figure_for_another_member_of_a_series_does_not_answer():
    from evidence_assistant.answering.answerable import about_another_member, series_members

    question = "How many people took part in Tier 2 of cohort 1 of the national engagement on data?"
    assert series_members(question) == {"tier": {2}, "cohort": {1}}
    asked = series_members(question)
    assert about_another_member(asked, "In total, 76 people took part in Tier 2 for the second cohort.")
    assert not about_another_member(asked, "In total, 80 people took part in Tier 2 for the first cohort.")
    assert not about_another_member(asked, "In total, 76 people took part.")  # names no member
    ok, want = judged(question, "In total, 76 people took part in Tier 2 for the second cohort.")
    assert (ok, want) == (False, "number")
    assert judged(question, "In total, 80 people took part in Tier 2 for the first cohort.")[0]


def test_a_limit_a_ratio_or_a_year_by_which_asks_for_a_figure_or_a_date():
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("By what year does the company expect to have sequenced 5 million genomes?") == "date"
    assert expected_type("What is the maximum file size for attachments sent with a record?") == "number"
    assert expected_type("What maximum penalty does the Act set?") == "number"
    assert expected_type("What is the ratio of librarians to staff?") == "number"
    question = "What is the maximum file size for attachments sent with a patient record between practices?"
    ok, want = judged(question, "Attachments such as scanned letters can be sent with the patient record between practices.")
    assert (ok, want) == (False, "number")
    assert judged(question, "Attachments sent with the patient record between practices may be at most 5 MB each.")[0]


def test_which_kind_of_body_asks_for_a_name_whatever_words_qualify_it():
    from evidence_assistant.answering.answerable import expected_type, holds_type

    assert expected_type("Which cloud hosting supplier does the tech plan name?") == "name"
    assert expected_type("Which named NHS trust is used in the worked example?") == "name"
    assert expected_type("Which charitable foundation funds the initiative?") == "name"
    assert expected_type("Which four organisations were chosen as exemplar sites?") == "name"
    assert expected_type("Which areas does the trust cover?") is None  # the question goes on past "which areas"
    assert expected_type("Which age group was surveyed?") is None  # a category, not an organisation
    ok, want = judged("Which cloud hosting supplier does the tech plan for health and care name?",
                      "NHSX will be engaging on a tech plan for health and care throughout the spring.")
    assert (ok, want) == (False, "name")
    # Single-word names, three or more listed, are names; two words of a title are not.
    assert holds_type("Microsoft, Google and Amazon have all said they are exploring search.", "name")
    assert not holds_type("The plan for Health and Care will be published in the spring.", "name")


def test_a_doer_named_by_role_answers_who():
    """"Who leads …?" is answered by a role as well as a name: "led by the regional director for
    community services" says who, though no word of it is capitalised."""
    q = "According to the trust's workforce paper, who leads the rota review project?"
    role = ("A rota review project has been launched, led by the regional director for community services "
            "and two deputy directors.")
    assert holds_type(role, "name")
    assert judged(q, role)[0]
    # A role that does nothing in the sentence is no answer to who did it.
    assert not holds_type("The rota review project will report to a director in the spring.", "name")
    assert not judged(q, "The rota review project has been launched to make rotas fairer for staff.")[0]


def test_whose_duty_it_is_said_of_a_role_answers_who():
    """"Who is responsible for …?" is answered by the role a duty rests with, though nobody is named."""
    q = "According to the trust's records policy, who bears final responsibility for the accuracy of discharge notes?"
    duty = "The final responsibility for the accuracy of discharge notes will rest with the consultant in charge."
    assert holds_type(duty, "name")
    assert judged(q, duty)[0]
    assert holds_type("Ward clerks remain responsible for filing the notes.", "name")
    # A duty without anyone holding it says nobody.
    assert not holds_type("The accuracy of discharge notes is checked every month.", "name")


def test_a_rate_asked_of_costs_is_a_figure_not_a_sum():
    from evidence_assistant.answering.answerable import expected_type

    # A budget in the question does not make a rate a sum of money ...
    question = "What overhead rate did the ward budget assume?"
    assert expected_type(question) != "money"
    ok, want = judged(question, "The ward budget assumed overheads at 18 per cent of pay.")
    assert (ok, want) == (True, "share")
    assert not judged(question, "The ward budget was agreed by the finance committee in May.")[0]
    # ... while a cost asked for is.
    assert expected_type("What cost did the ward budget assume for agency shifts?") == "money"


def test_bodies_known_by_initials_or_written_in_lower_case_first_are_names():
    # Initials as a sentence's subject name bodies; initials describing a thing do not.
    assert holds_type("QRST and WXYZ have set the coding standards for general practice.", "name")
    assert not holds_type("QRST records must be kept for eight years.", "name")
    assert not holds_type("The QRST will adopt new tools across its areas.", "name")  # one alone: see below
    # A body whose name opens in lower case ("techAB") is a name wherever it stands.
    assert holds_type("The panel was brought together by techAB and the council.", "name")
    assert not holds_type("The panel was brought together by the technology team and the council.", "name")


def test_one_body_known_by_its_initials_answers_a_question_asking_for_any_body():
    sentence = "QRST will publish the new records standard for community pharmacies next spring."
    assert judged("Which organisation will publish the new records standard for community pharmacies?",
                  sentence) == (True, "name")
    assert judged("According to the plan, who will publish the new records standard for community pharmacies?",
                  sentence) == (True, "name")
    # Initials say a body, not which kind: a question for a supplier is not answered by them.
    assert judged("Which software supplier will publish the new records standard for community pharmacies?",
                  sentence) == (False, "name")
    # A body the question names is what it is about, not the body it asks for.
    assert judged("Which organisation will help QRST publish the new records standard for community pharmacies?",
                  sentence) == (False, "name")
    # Initials describing a thing name no body.
    assert judged("Which organisation keeps the pharmacy records for eight years?",
                  "QRST records must be kept for eight years.") == (False, "name")


def test_a_quoted_term_does_not_set_what_is_asked_and_a_list_asked_for_is_of_items():
    from evidence_assistant.answering.answerable import expected_type

    # "number" inside the name of a field is the field's, not a count asked for.
    assert expected_type("What does the 'patient number source' field of the record standard hold?") is None
    assert expected_type("What number of practices had gone paperless?") == "number"
    assert expected_type("What is the number of the 'core' record entries?") == "number"
    # Costs a guide lists are kinds of cost; costs asked for otherwise are sums.
    assert expected_type("What costs of a failed server does the continuity guide list?") is None
    assert expected_type("What costs did the trust report for the server upgrade?") == "money"
    question = "What costs of a failed server does the continuity guide list?"
    assert judged(question, "The costs of a failed server include: lost working time, restoring the records "
                            "and notifying users.")[0]


def test_words_a_sentence_writes_by_their_initials_are_words_it_holds():
    from evidence_assistant.answering.answerable import initials_held

    assert initials_held("If a remote monitoring service stores images, which body must approve it?",
                         "Where the RMSs store images they must be approved by the Imaging Board.") == \
        {"remot", "monitor", "servic"}
    assert not initials_held("If a remote monitoring service stores images, which body must approve it?",
                             "Where the service stores images it must be approved by the Imaging Board.")
    assert not initials_held("What do the GP guidelines say?", "The BMA agreed.")  # two-word runs are not enough
    # The little words of a name may give no letter: "lasting order to withhold treatment" is LOWT.
    assert initials_held("What must a lasting order to withhold treatment state?",
                         "A LOWT must be signed.") == {"last", "order", "withhold", "treatment"}
    assert initials_held("What does the Office of Rail and Road say?", "The ORR agreed.") == {"offic", "rail", "road"}
    # … but a name does not start with one: "the" gives no letter to "TLOW".
    assert not initials_held("What must the lasting order to withhold state?", "A TLOW must be signed.")
    question = "If a remote monitoring service stores images, which regulator must register it?"
    assert judged(question, "If the RMS stores images it requires Imaging Standards Council registration.",
                  "The standard covers safety, privacy and usability of monitoring services.")[0]


def test_a_sentence_naming_its_subject_as_this_thing_is_about_what_the_sentence_before_names():
    lead = "The Widget Academy has developed an advanced apprenticeship programme in lantern repair."
    count = "So far, 46 places on this programme are funded."
    question = "How many places on the Widget Academy's advanced apprenticeship programme in lantern repair were funded?"
    assert judged(question, f"{lead} {count}") == (True, "number")
    # Alone, the count shares too few of the question's words to say which programme it counts.
    assert judged(question, count) == (False, "number")
    # "this" with a noun its lead does not name points elsewhere (a document, a year).
    assert judged(question, f"{lead} So far, 46 places in this region are funded.") == (False, "number")


def test_a_word_the_sentence_says_in_another_form_is_a_word_it_shares():
    # "registered" and "registration" stem apart ("regist", "registr"): one starts the other.
    question = "Which regulator must a booking app be registered with?"
    assert judged(question, "A booking app requires registration with the Marine Council.") == (True, "name")
    # A word merely starting alike ("regional") is another word.
    assert judged(question, "A booking app requires regional approval from the Marine Council.") == (False, "name")


def test_a_scale_or_a_level_asked_for_is_answered_only_by_one_stated():
    """"On what scale …" asks for a range of values, "which … level" for a named level: sentences
    saying that things are scored, or that a standard must be met, hold neither."""
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("On what numerical scale are risks rated for severity in the toolkit?") == "scale"
    assert expected_type("What scale does the register use for how urgent a referral is?") == "scale"
    assert expected_type("What scale of change does the plan call for?") is None  # the size of a thing
    assert expected_type("Which assurance level of the identity standard must a login meet?") == "level"
    assert expected_type("What level of confidence did respondents report?") is None  # a degree, not a named level
    assert expected_type("What does level 3 of the framework require?") is None

    scale = "On what scale does the toolkit score how severe each risk is?"
    ok, want = judged(scale, "The toolkit gives each risk a severe or mild rating when the risk is logged.")
    assert (ok, want) == (False, "scale")
    assert judged(scale, "The toolkit scores how severe each risk is on a scale of 1-5.")[0]
    assert judged(scale, "Severity is scored from one to five, five the most severe.")[0]

    level = "Which assurance level of the identity standard must a login to the portal meet?"
    ok, want = judged(level, "A login to the portal must meet the identity standard before it is used.")
    assert (ok, want) == (False, "level")
    assert judged(level, "A login to the portal must meet the identity standard at level 2 (substantial).")[0]
    assert judged(level, "A login to the portal must meet assurance level AA of the identity standard.")[0]


def test_a_code_asked_for_is_answered_by_a_code_line_read_with_what_it_codes():
    """"Which … code …" asks for a code: a sentence about the code list holds none. A code line
    carries only its label and code; read with its document's title and the text before it
    (which says what it codes) it answers a question naming the document and the section."""
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("Which SNOMED CT code does the register give for a hoist?") == "code"
    assert expected_type("In the care record standard, which concept ID marks a bed as closed?") == "code"
    assert expected_type("Which code list does the register use for wards?") is None  # a list, named
    assert expected_type("In the list of outcomes, what does code 12 mean?") is None  # what a code means
    assert expected_type("Which codes may mark a bed as closed?") is None  # several, often words

    question = "Which SNOMED CT code does the Care Record Standard record for a walking frame in its mobility section?"
    about_the_list = "Codes for the mobility section come from the SNOMED CT terminology, as agreed with clinicians."
    ok, want = judged(question, about_the_list, title="Care Record Standard")
    assert (ok, want) == (False, "code")
    record = ("Mobility section\n\nRecord here each aid the person uses to move about.\n\n"
              "Walking frame | SNOMED CT 4002119\n\nHoist | SNOMED CT 4002337")
    assert judged(question, record, title="Care Record Standard")[0]


def test_when_a_record_should_be_reviewed_asks_on_what_occasion():
    """"When should the plan be reviewed?" is answered as often by an occasion ("when the person
    moves house") as by a date: a sentence naming the occasion answers it."""
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("When should a tenant's support plan be reviewed?") is None
    assert expected_type("When does the guide recommend that the plan be updated?") is None
    assert expected_type("When was the support plan first published?") == "date"
    assert expected_type("When must the plan be submitted?") == "date"  # a deadline
    question = "When should a tenant's support plan be reviewed?"
    assert judged(question, "A tenant's support plan should be reviewed whenever the tenant moves house "
                            "and at each planned visit.")[0]
