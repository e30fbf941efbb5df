"""Crawlers: scheduled scrapy spiders that fetch the configured sources and store new documents.

Run as a child process per crawl (Twisted's reactor cannot restart); results are written through
``storage.documents``, never handed to another stage directly.
"""
