"""Imported by the extraction pool's fork server before it forks any worker (`pipeline.workers`).

Importing this module loads extraction and the entity pipeline and runs one sample page through them,
once; every worker is then forked from that warm process (copy-on-write) instead of importing the
libraries and building the spaCy pipeline itself, about two seconds of CPU per worker. It also builds
dateparser's patterns of every locale (1.25 s, 35 MB), which each worker would otherwise build for itself
at its first page of unknown language (docs/performance.md). `gc.freeze()`
keeps the collector's passes in the workers from writing to, and so copying, the pages they share with
the fork server (two workers: about 40 MB less in all).
"""

import gc

from pipeline.workers import warm_up

warm_up(every_locale=True)
gc.freeze()
