"""The real-time engine: audio sources, framing, inference, post-processing, senders, metrics,
and the headless CLI."""
