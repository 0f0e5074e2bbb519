"""A small corpus written for the tracker's tests: a committee report with numbered
recommendations, the Government's response, and later documents that report progress on some
of them (one delivered, one delayed) and say nothing about the others."""
from __future__ import annotations

from pathlib import Path

REPORT = """---
title: Hospital beds and discharge (test report)
kind: report
date: "2023-01-10"
publisher: House of Commons Health Committee
---

# Hospital beds and discharge

## Conclusions and recommendations

1. Nobody can see where beds are free. We recommend that NHS England publish a national bed-capacity dashboard, updated daily, by December 2023.

2. Discharge letters arrive late. The Department should require every trust to send electronic discharge summaries to general practice within 24 hours.

3. Night-time transfers harm older patients. NHS England should publish figures on overnight ward transfers of patients over 80 each quarter.

4. Hostile <img src=x onerror=alert(1)> markup in a report must stay text. The Department should fund the <b>paperless</b> ward rounds pilot.
"""

RESPONSE = """---
title: Hospital beds and discharge - Government response (test)
kind: response
date: "2023-03-01"
publisher: Department of Health and Social Care
---

# Government response

Recommendation 1: We recommend that NHS England publish a national bed-capacity dashboard, updated daily, by December 2023.

The Government accepts this recommendation. NHS England will build the dashboard with trusts.

Recommendation 2: The Department should require every trust to send electronic discharge summaries to general practice within 24 hours.

The Government does not accept this recommendation. Trusts set their own discharge processes.

Recommendation 3: NHS England should publish figures on overnight ward transfers of patients over 80 each quarter.

The Government notes the Committee's concern about overnight transfers.
"""

PROGRESS = """---
title: Urgent care progress update (test)
kind: news
date: "2024-05-01"
publisher: NHS England
---

# Progress update

The national bed-capacity dashboard has now been launched, and every trust reports its free beds daily.

Electronic discharge summaries are being rolled out slowly; the 24 hours standard for discharge summaries to general practice has been delayed to 2025.

Ambulance handover times improved over the winter.
"""

UNRELATED = """---
title: Outpatient letters guidance (test)
kind: guidance
date: "2022-06-01"
publisher: NHS England
---

# Outpatient letters

Clinics should write to patients in plain English. A national bed-capacity dashboard was first proposed in this guidance, long before the report.
"""


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("report.md", REPORT), ("response.md", RESPONSE), ("progress.md", PROGRESS),
                       ("earlier.md", UNRELATED)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def build_index(tmp: Path):
    """The corpus indexed (real model, real Chroma) in ``tmp``; returns the opened Assistant."""
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    docs = write(tmp / "docs")
    settings = Settings(index_dir=tmp / "index")
    report = ingest([docs], settings=settings)
    assert not report.skipped, report.skipped
    return Assistant.open(settings=settings, registry=None)


# The sample corpus's committee pair, as the tracker's end-to-end tests read it.
SAMPLE = Path(__file__).resolve().parents[2] / "corpus" / "sample"
SAMPLE_REPORT = SAMPLE / "hc223-conclusions-and-recommendations.html"
SAMPLE_RESPONSE = SAMPLE / "hc1803-replies-to-recommendations.pdf"
SAMPLE_REPORT_TITLE = "Digital transformation in the NHS: conclusions and recommendations, illustrated (sample)"
SAMPLE_RESPONSE_TITLE = ("Digital transformation in the NHS: the Government's replies to the recommendations, "
                         "illustrated (sample)")
