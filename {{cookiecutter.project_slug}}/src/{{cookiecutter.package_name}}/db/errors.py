"""The two ways a database says "not now", whichever database it is: both answered 503."""


class DatabaseUnavailableError(Exception):
    """The database cannot be reached, or the connection broke."""


class DatabaseBusyError(Exception):
    """No connection became free within ``DATABASE_POOL_TIMEOUT`` seconds."""
