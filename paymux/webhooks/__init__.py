"""Webhooks: the outbox of payment status changes, its delivery worker and its signer.

A status change writes its webhook row in the same transaction (``store.orders.enqueue_webhook``), so
a committed payment always has its notification and a rolled-back one never does. Delivery happens
later, outside the API request, in ``delivery.deliver_due_webhooks``; it is at-least-once, so every
request carries a stable ``webhook-id`` a receiver can deduplicate on (Standard Webhooks).

- ``signing``: the Standard Webhooks signature (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).
- ``delivery``: the worker that sends due events with retries, and the console's "send test webhook".
- ``outbox``: what a merchant does with its events: the signing secret, the delivery log, resending.
"""
