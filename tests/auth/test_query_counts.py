"""The users administration page answers with a fixed number of queries."""

from tests.factories import UserFactory


def test_users_page_query_count_does_not_grow(client, admin, login_as, pole, count_queries):
    login_as(admin)
    client.get("/users")
    with count_queries() as few:
        assert client.get("/users").status_code == 200
    UserFactory.create_batch(15, pole=pole, role="advisor")
    with count_queries() as many:
        body = client.get("/users").get_data(as_text=True)
    assert body.count("@") >= 16
    assert few.count == many.count
