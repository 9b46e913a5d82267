"""The task-agnostic core: registry, result store, stage stamps, manifests, prompting, HTTP client,
paths, table I/O and audio loading. Nothing here knows about a task or a model."""
