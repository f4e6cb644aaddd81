"""Deliver: what no earlier digest carried, to the people who asked for it, where they look.

In: the `events` table (new and changed announcements), table `hubs` (hubs found announced),
`settings.digest` and `settings.notify`. Out: one email per recipient group and one short summary per
notification target, each recorded in `digests`, `digest_items` and `digest_hubs` only after the receiver
accepted it; and Atom feeds (all, per hub, per sector). `items.py` reads the pending events, `render.py`
renders subject, text, HTML and chat summary (pure), `digest.py` delivers, `ledger.py` records who got
what, `mailer.py` is the only code that speaks SMTP, `notify.py` the only code that speaks Apprise,
`atom.py` builds the feeds and `feedroutes.py` serves them from Datasette.
"""
