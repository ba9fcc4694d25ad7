"""When a failed delivery is tried again: spread over more than a day, as Svix and Stripe do."""

# Seconds to wait after failed attempt 1, 2, ...: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
# With the first attempt at once that is 8 attempts over 27 h 35 min.
RETRY_DELAYS: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPTS = len(RETRY_DELAYS) + 1


def delay_after(attempt: int) -> int:
    """Seconds to wait after failed attempt ``attempt`` (1-based); a manual retry past the
    schedule waits as long as its last step."""
    return RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]


def default_max_attempts() -> int:
    return ATTEMPTS
