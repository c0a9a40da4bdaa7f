"""A deterministic scale data set: thousands of builders, projects, tribes and feed events.

``piccolo tribe_service scale`` (``just scale``) adds, by default, 10,000
builders with 2-6 skills, 20,000 projects with 0-3 collaborators, 2,000 tribes
with 2-7 members and 0-3 open roles, 100,000 feed events over the last year,
and the embeddings of builders and projects (the built-in hashing embedder's). The same
``--seed`` (default 42) and ``--until`` give the same rows, ids included.

* :mod:`.records` shapes each table's records from its Piccolo table (by column name);
* :mod:`.dataset` holds the counts asked for and the rows of one load;
* :mod:`.generator` makes the rows (pure, no database): :mod:`.users`, :mod:`.projects`,
  :mod:`.tribes` and :mod:`.events` one concern each, on a shared :mod:`.state`, drawing
  from :mod:`.streams` (random streams, ids, times), :mod:`.weights` (the distributions),
  :mod:`.vocabulary` (the words) and :mod:`.skills` (the skill catalogue);
* :mod:`.loader` loads them with ``COPY`` in one transaction (:func:`fill_database`);
* :mod:`.command` is the Piccolo command.
"""

from tribe_service.scale.dataset import DEFAULT_SEED, ScaleCounts, ScaleError
from tribe_service.scale.loader import ScaleReport, fill_database

__all__ = ["DEFAULT_SEED", "ScaleCounts", "ScaleError", "ScaleReport", "fill_database"]
