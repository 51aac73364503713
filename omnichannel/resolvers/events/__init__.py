"""Events out: the durable event log, catch-up subscriptions, the events query, webhooks."""
