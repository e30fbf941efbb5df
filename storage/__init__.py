"""Storage: the one place that speaks SQL. Every stage reads and writes through these modules."""
