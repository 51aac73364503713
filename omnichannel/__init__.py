"""omnichannel: one GraphQL backend for a retail chain's stores and online channels."""

__version__ = "0.1.0"
