"""The scrubber: secrets, their long fragments and their quoted forms leave every message."""
import pytest

from importers.core.scrub import REDACTED, Scrubber, header_secrets, url_secrets

TOKEN = "lv-secret-token-123"


@pytest.mark.parametrize("text, expected", [
    (f"invalid token {TOKEN}", f"invalid token {REDACTED}"),
    (f"token {TOKEN[:12]}… refused", f"token {REDACTED}… refused"),  # cut short upstream
    (f"'Bearer {TOKEN}\\n'", f"'Bearer {REDACTED}\\n'"),  # quoted by requests
    (f"{TOKEN}{TOKEN}", f"{REDACTED}{REDACTED}"),
    (f"end of {TOKEN[-9:]}", f"end of {REDACTED}"),
    ("lv-secr is shorter than a fragment", "lv-secr is shorter than a fragment"),
    ("nothing secret here", "nothing secret here"),
])
def test_secrets_and_long_fragments_are_replaced(text, expected):
    assert Scrubber({TOKEN})(text) == expected


def test_short_secrets_are_replaced_whole_only():
    assert Scrubber({"abc"})("xabcx ab") == f"x{REDACTED}x ab"


def test_clip_scrubs_before_cutting():
    """A secret that straddles the limit leaves no start of itself behind."""
    text = "x" * 295 + TOKEN
    assert Scrubber({TOKEN}).clip(text, 300) == "x" * 295 + REDACTED[:5]
    assert "lv-se" in text[:300]


def test_header_secrets_take_the_token_after_a_scheme():
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": "key-0123456789",
               "Accept": "application/json", "User-Agent": "mirror"}
    assert header_secrets(headers) == {TOKEN, "key-0123456789"}


def test_no_secrets_changes_nothing():
    assert Scrubber(set())("anything") == "anything"
    assert Scrubber({""})("anything") == "anything"


def test_url_secrets_are_the_password_and_secret_looking_parameters():
    url = "https://me:pa55word-1@host/api/1?api_key=k-123456789&page=2&limit=50&token=t-0987654"
    assert url_secrets(url) == {"pa55word-1", "k-123456789", "t-0987654"}
    assert url_secrets("https://host/api/1?page=2") == set()


def test_adding_secrets_keeps_the_old_ones():
    scrub = Scrubber({TOKEN}).adding({"another-secret"})
    assert scrub(f"{TOKEN} another-secret") == f"{REDACTED} {REDACTED}"


@pytest.mark.parametrize("query, secret", [
    ("X-Amz-Signature=0a1b2c3d4e5f", "0a1b2c3d4e5f"),
    ("sessionToken=s-123456789", "s-123456789"),
    ("apikey=k-123456789", "k-123456789"),
    ("keyword=gaze-task-2024", None),  # whole words only
    ("authors=jane-and-john", None),
    ("session=42", None),  # too short to be a credential
    ("sessionNr=3", None),
])
def test_secret_parameters_are_whole_words_with_credential_length_values(query, secret):
    assert url_secrets(f"https://host/api?{query}") == ({secret} if secret else set())


def test_a_short_parameter_value_stays_in_messages():
    """A numeric id under a secret-looking name does not cut every copy of it from the text."""
    scrub = Scrubber(url_secrets("https://host/api?session=42"))
    assert scrub("session 42 has 42 trials") == "session 42 has 42 trials"
