"""Settings of events out, read from the environment (composition root)."""

from __future__ import annotations

import pytest

from omnichannel.config import ConfigError, load_settings


def test_events_out_defaults_and_overrides():
    default = load_settings({})
    assert (default.event_log, default.event_retention_days) == (True, 30)
    assert (default.webhooks.allow_private_targets, default.webhooks.retry_base) == (False, 5.0)
    custom = load_settings(
        {
            "OMNICHANNEL_EVENT_LOG": "0",
            "OMNICHANNEL_EVENT_RETENTION_DAYS": "7",
            "OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS": "allow",
            "OMNICHANNEL_WEBHOOK_RETRY_BASE": "0.5",
        }
    )
    assert (custom.event_log, custom.event_retention_days) == (False, 7)
    assert (custom.webhooks.allow_private_targets, custom.webhooks.retry_base) == (True, 0.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OMNICHANNEL_EVENT_LOG", "maybe"),
        ("OMNICHANNEL_EVENT_RETENTION_DAYS", "0"),
        ("OMNICHANNEL_WEBHOOK_PRIVATE_TARGETS", "yes"),
        ("OMNICHANNEL_WEBHOOK_RETRY_BASE", "0"),
        ("OMNICHANNEL_WEBHOOK_RETRY_BASE", "soon"),
        ("OMNICHANNEL_WEBHOOK_RETRY_BASE", "7200"),
    ],
)
def test_bad_values_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
