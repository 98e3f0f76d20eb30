def test_french_by_default_and_english_available(client, db):
    assert "Mot de passe oublié ?" in client.get("/login").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Forgotten password?" in html
    client.post("/lang/fr", data={"next": "/login"})
    assert "Mot de passe oublié ?" in client.get("/login").get_data(as_text=True)
