"""Answer floor: retrieval over the index, the answer stages (condense, gather, judge, answer, check) and the answerers; imports the ground floor and ``evidence_ingest`` only."""
