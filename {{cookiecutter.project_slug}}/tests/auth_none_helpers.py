"""No authentication: the tests need no secrets, and the API serves anyone."""

# What ``make_settings`` gives every test application: nothing for authentication.
AUTH_SETTINGS: dict[str, object] = {}
# What a valid production configuration must add to the environment: nothing secret.
PRODUCTION_SECRETS: dict[str, str] = {}
# What a request without credentials gets from the API: the API is open.
ANONYMOUS_STATUS = 200
