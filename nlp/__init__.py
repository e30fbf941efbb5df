"""Language processing: segmentation, topics, sentiment, places and casualties. No I/O here.

``nlp/data/`` holds the team-written training corpus and dictionaries.
"""
