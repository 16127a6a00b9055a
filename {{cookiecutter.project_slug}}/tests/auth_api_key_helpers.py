"""API-key auth in the tests: the keys every test application accepts."""

# Two keys, as during a rotation: both must be accepted.
TEST_API_KEYS = [
    "test-key-current-0123456789abcdefghijklmnop",
    "test-key-next-0123456789abcdefghijklmnop",
]
# What ``make_settings`` gives every test application.
AUTH_SETTINGS = {"api_keys": TEST_API_KEYS}
# What a valid production configuration must add to the environment.
PRODUCTION_SECRETS = {"API_KEYS": ",".join(TEST_API_KEYS)}
# What a request without a key gets from the API.
ANONYMOUS_STATUS = 401
