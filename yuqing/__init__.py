"""住建舆情: the project's own package. Base modules (config, errors, vocabulary, instants, formatting), the
runtime that composes them, the command line, the daemon and the simulated web live here; the stages keep
the top-level folders the project was specified with (crawlers, nlp, incidents, alerts, reports, storage).
"""
