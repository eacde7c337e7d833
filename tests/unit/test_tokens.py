from mediaflow.projects.tokens import extract_token, looks_like_token, new_token, token_hash


def test_new_tokens_are_unique_and_recognisable() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(looks_like_token(t) for t in tokens)


def test_hash_is_stable_and_hides_the_token() -> None:
    token = new_token()
    assert token_hash(token) == token_hash(token)
    assert token not in token_hash(token)
    assert len(token_hash(token)) == 64


def test_token_is_read_from_x_auth_token_or_bearer_in_any_header_case() -> None:
    token = new_token()
    assert extract_token({"X-Auth-Token": token}) == token
    assert extract_token({"x-auth-token": token}) == token
    assert extract_token({"Authorization": f"Bearer {token}"}) == token
    assert extract_token({"authorization": f"bearer  {token} "}) == token


def test_missing_or_malformed_tokens_are_refused() -> None:
    assert extract_token({}) is None
    assert extract_token({"Authorization": "Basic dXNlcjpwYXNz"}) is None
    assert extract_token({"Authorization": "Bearer"}) is None
    assert extract_token({"X-Auth-Token": "not-a-mediaflow-token"}) is None
    assert extract_token({"X-Auth-Token": "mf_" + "x" * 500}) is None
