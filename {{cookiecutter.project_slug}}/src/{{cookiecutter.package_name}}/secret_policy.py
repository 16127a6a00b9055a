"""What a secret protecting a real deployment must be: present, not a placeholder, long."""

# Values that must never protect a real deployment: the example file's placeholder and friends.
PLACEHOLDER_SECRETS = frozenset({"change-me", "changeme", "secret", "password", "dev", "test"})
MIN_SECRET_LENGTH = 32


def check_secret(value: str) -> None:
    """Refuse a secret that is missing, a known placeholder, or too short to resist guessing."""
    if not value:
        raise ValueError("is required in production")
    if value.lower() in PLACEHOLDER_SECRETS:
        raise ValueError("is a placeholder; generate a value with: openssl rand -base64 48")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters long")
