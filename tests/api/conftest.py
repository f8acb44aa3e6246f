import pytest

from koers.api.services import token_create


@pytest.fixture
def token(cast):
    """A personal token for one of the cast: ``token("ruud")`` gives request headers."""

    def _headers(name: str) -> dict[str, str]:
        _record, raw = token_create(user=cast.user(name), name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _headers
