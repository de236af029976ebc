from inbox.triage import detect_language


def test_it_detects_english():
    label = detect_language("@AcmeCare my order has not arrived yet and nobody answers my emails")
    assert label.value == "en"
    assert label.why.startswith("lingua: ")


def test_it_detects_indonesian():
    label = detect_language("@AcmeCare min paket saya belum sampai padahal sudah seminggu")
    assert label.value == "id"
    assert "Indonesian" in label.why


def test_it_reads_malay_as_indonesian():
    label = detect_language("saya nak tanya pasal bil elektrik bulan ini, kenapa mahal sangat")
    assert label.value == "id"


def test_it_calls_spanish_other():
    assert detect_language("Hola, mi pedido todavía no ha llegado y nadie me responde").value == (
        "other"
    )


def test_it_calls_japanese_other():
    assert detect_language("注文した商品がまだ届いていません。確認してください。").value == "other"


def test_it_ignores_mentions_links_and_hashtags():
    label = detect_language(
        "@BankKita @someone https://t.co/abc123 #promo #sale "
        "kartu kredit saya diblokir tanpa alasan"
    )
    assert label.value == "id"


def test_a_text_of_only_markup_is_unknown():
    label = detect_language("@AcmeCare https://t.co/abc123")
    assert label.value == ""
    assert label.why == "too little text to tell"


def test_a_short_unclear_text_is_unknown_rather_than_a_guess():
    label = detect_language("ok!!")
    assert label.value == ""
    assert "too" in label.why


def test_short_english_with_common_words_is_english():
    assert detect_language("DM sent, thank you").value == "en"
