from fastapi.testclient import TestClient

from tests.conftest import Cast, auth


def test_track_then_list(client: TestClient, cast: Cast) -> None:
    r = client.post("/v1/track", auth=(cast.app_key, ""),
                    json={"userId": "u1", "event": "Product Viewed", "messageId": "m1"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    page = client.get("/api/v1/events", headers=auth(cast.admin_token)).json()
    assert [e["messageId"] for e in page["data"]] == ["m1"]
