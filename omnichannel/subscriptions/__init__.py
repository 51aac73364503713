"""Live events between server processes: the broker (Redis or in-process), topics and the codec."""
