"""Global IDs as clients see them: url-safe base64 of "<Type>:<pk>" without padding.

The API's Node IDs and the event log's payloads name objects the same way, so an ID read from an
event can be passed straight to node(id:) or to a mutation.
"""

from __future__ import annotations

import base64


def global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")
