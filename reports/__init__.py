"""Reports: the weekly digest (舆情周报) and the evaluation of each incident's handling (应对效果评估).

Step in the flow: the last stage. It reads incidents, posts and responses through ``storage`` and
writes documents and charts for people. Everything it writes or mails is first de-identified
(``reports.privacy``); every instant, count and share is shown through ``formatting``.
"""
