"""The analysis stages after annotation, in the order they run.

Each stage is declared by its capability's package (``<package>/stage.py``, one
``STAGE``); this module only lists them. A stage reads typed records from the
store and replaces its own records in one transaction, so it can be re-run alone
over what is stored; its fingerprint covers what it reads plus its version, and
when that fingerprint is unchanged the pipeline skips it.
"""

from __future__ import annotations

from newsweave.corroborate.stage import STAGE as CORROBORATE
from newsweave.entities.stage import STAGE as ENTITIES
from newsweave.events.stage import KEY_TIMELINE_STAGE as KEY_TIMELINE
from newsweave.events.stage import STAGE as EVENTS
from newsweave.quotes.stage import STAGE as QUOTES
from newsweave.reuse.stage import STAGE as REUSE
from newsweave.steps import Stage
from newsweave.stories.stage import STAGE as STORIES
from newsweave.summarize.stage import STAGE as SUMMARY

#: Analysis stages after ingest and annotate, in order (each reads what the ones before it stored).
STAGES: list[Stage] = [REUSE, STORIES, ENTITIES, QUOTES, EVENTS, KEY_TIMELINE, CORROBORATE, SUMMARY]
