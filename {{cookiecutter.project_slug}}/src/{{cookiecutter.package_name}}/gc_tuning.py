"""Python's garbage collector, tuned for a server that keeps many requests in flight.

CPython looks for reference cycles in its youngest objects each time 700 more of them
have been allocated than freed. A worker serving 50 clients at once keeps 50 requests'
objects alive together, so that happens every dozen requests or so and finds nearly all
of them still in use. They are moved to the older generations, whose passes then run
often too, and every pass over the oldest one walks all that the imports built (FastAPI's
routes, pydantic's validators, SQLAlchemy's mappings): tens of milliseconds each. Two
calls of the standard library remove most of that work:

- ``gc.freeze()`` sets aside everything alive once the application is built: no pass
  walks it again. It lives as long as the process anyway; what is dropped of it is still
  freed, unless it is part of a reference cycle.
- A young-generation threshold of 10,000 instead of 700: about one pass per thousand
  requests instead of one per dozen. Cycles are still collected, a little later.

Measured with one worker and 50 clients, apps interleaved: the worker spent 14-27% less
CPU per request on gets and lists, SQLite and PostgreSQL alike, in four runs of five (3%
in the other); the same routes served from memory gained nothing, and no worker's memory
grew.
"""

import gc

YOUNG_GENERATION_THRESHOLD = 10_000


def tune_garbage_collection() -> None:
    """Call once, in the process that serves, after the application is built."""
    # Collected first, so that no garbage is frozen with the rest.
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
