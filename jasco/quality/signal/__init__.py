"""The signal analyzer: single-ended features of a speech recording and their quality mapping.

``features.analyze`` computes every feature of one mono 16 kHz recording; ``mapping`` turns
them into the NISQA dimensions (noi, col, dis, loud) and a MOS; ``reference`` compares a
degraded recording with its clean reference (double-ended).
"""
