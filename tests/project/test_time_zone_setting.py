"""``DJANGO_TIME_ZONE`` sets the zone the pages show dates in; a name the tz database does not
know stops startup instead of failing on the first page."""

from tests.project.test_settings import run_django


def test_the_time_zone_comes_from_the_environment():
    assert run_django("settings.TIME_ZONE").stdout.strip() == "UTC"
    result = run_django("settings.TIME_ZONE", DJANGO_TIME_ZONE="Europe/Berlin")
    assert result.stdout.strip() == "Europe/Berlin"


def test_an_unknown_time_zone_is_a_clear_error():
    result = run_django(DJANGO_TIME_ZONE="Europe/Atlantis")
    assert result.returncode != 0
    assert "DJANGO_TIME_ZONE must be a tz database name, got 'Europe/Atlantis'" in result.stderr
