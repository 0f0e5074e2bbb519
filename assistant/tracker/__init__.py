"""Tracker floor: recommendations, responses and commitments read from the documents, and their progress; imports the answer floor, ``evidence_ingest`` and the ground floor."""
