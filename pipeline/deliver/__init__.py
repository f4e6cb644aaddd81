"""Deliver: what no earlier digest carried, to the people who asked for it.

In: the `events` table (new and changed announcements) and `settings.digest`. Out: one email per recipient
group, recorded in `digests` and `digest_items` only after the server accepted it. `items.py` reads the
pending events, `render.py` renders subject, text and HTML (pure), `digest.py` delivers and records,
`mailer.py` is the only code that speaks SMTP.
"""
