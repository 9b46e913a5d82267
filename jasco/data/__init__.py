"""The What Are They Doing dataset: fetching and verifying it, loading clips and audio, and
expanding clips into benchmark items."""
