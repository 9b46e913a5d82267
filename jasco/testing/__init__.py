"""Test doubles registered like real backends: tiny random-weight models built locally.

Nothing here downloads anything: the models are built from configs with random weights in a
few hundred milliseconds, so tests run the real transformers and vLLM code paths offline.
"""
