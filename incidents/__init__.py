"""The incidents stage: group tagged posts into incidents, measure their spread, grade them."""
