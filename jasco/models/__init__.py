"""The one model layer: request and result types, backends (in-process vLLM, transformers,
OpenAI-compatible servers, worker processes) and the ALLM adapters built on them."""
