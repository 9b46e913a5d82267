"""JASCO, the "What Are They Doing" joint audio-speech co-reasoning benchmark (arXiv 2409.14526):
its dataset, items, controls, judge prompts and parser, similarity proxy, judge-check and report."""
