from bot.domain.deeplink import DeepLink, LinkKind, parse_deep_link


def test_parse_deep_link() -> None:
    assert parse_deep_link("s12") == DeepLink(LinkKind.SESSION, "12")
    assert parse_deep_link("pTD-2026-0042") == DeepLink(LinkKind.PETITION, "TD-2026-0042")
    assert parse_deep_link("s12").payload == "s12"  # type: ignore[union-attr]
    for bad in (None, "", "sabc", "x12", "s", "s1 2", "<s1>", "s" + "1" * 70):
        assert parse_deep_link(bad) is None
