def test_an_htmx_request_after_the_session_ended_sends_the_browser_to_sign_in(client, firm):
    response = client.post("/tasks/1/complete/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="/")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/signin/?next=/"


def test_a_plain_request_after_the_session_ended_is_redirected_to_sign_in(client, firm):
    response = client.get("/referrals/")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=/referrals/")
