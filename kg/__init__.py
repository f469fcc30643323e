"""trialkg: a knowledge graph of clinical trials, drugs and endpoints.

The package is organised as a pipeline of plain functions (see DESIGN.md):
``kg.sources`` reads files into :class:`kg.record.TrialRecord` objects,
``kg.text`` understands prose, ``kg.rdf`` maps records to quads, ``kg.store``
holds them, and ``kg.cli`` ties it together as the ``trialkg`` command.
"""

__version__ = "0.1.0"
