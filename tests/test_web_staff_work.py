"""The rest of the dashboard in a real browser: the unit official accepts and answers with a
file (the resident gets both in the chat); the secretary publishes a session's conclusion
notice from its page (each petitioner gets their part in the chat) and downloads the dossier
and the monthly summary."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page

from bot.clock import ManualClock
from bot.domain.petitions import Status
from bot.fakes.telegram import FakeTelegramServer, SimUser
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, onboard
from tests.test_conclusion_e2e import R1, setup
from tests.test_deadlines_scan_e2e import local
from tests.test_web_staff import Site, login_link, site, wide
from tests.test_workflow_e2e import file_petition, status_of

__all__ = ["site"]


async def logged_in(browser: Browser, site: Site, user: SimUser) -> Page:
    context = await wide(browser)
    page = await context.new_page()
    await page.goto(await login_link(user))
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(site.url + "/quan-ly")
    return page


async def test_the_official_accepts_and_answers_with_a_file(
    site: Site,
    tg: FakeTelegramServer,
    store: SqliteStore,
    clock: ManualClock,
    browser: Browser,
    tmp_path: Path,
) -> None:
    resident = tg.user(5401, first_name="Lan")
    await onboard(resident)
    petition = await file_petition(store, clock, 5401, "Đèn đường ngõ 12 hỏng", 1)
    assert petition.id is not None
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    await secretary.ask("/menu")
    from bot.usecases.workflow import Workflow

    services = site.runtime.services
    assert (await Workflow(services).assign(SECRETARY_ID, petition.id, "KT")).result.value == "done"
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    page = await logged_in(browser, site, official)
    await page.get_by_role("link", name="Việc của đơn vị").first.click()
    await page.get_by_role("link", name=petition.code).click()

    resident.mark()
    await page.get_by_role("button", name="Tiếp nhận").click()
    await page.wait_for_selector("text=Đơn vị đã tiếp nhận")
    (accepted,) = await resident.wait()
    assert "đã tiếp nhận" in accepted.plain_text

    # a wrong file type is refused next to the form, and the typed answer is kept
    bad = tmp_path / "ghi-chu.txt"
    bad.write_text("không phải PDF")
    await page.fill("form[action$='/tra-loi'] textarea", "Đã thay bóng đèn mới ngày 26/11.")
    await page.set_input_files("input[name=file]", str(bad))
    await page.get_by_role("button", name="Gửi trả lời").click()
    await page.wait_for_selector("text=Chỉ nhận tệp ảnh JPEG/PNG")
    assert "Đã thay bóng đèn" in await page.input_value("form[action$='/tra-loi'] textarea")
    assert await status_of(store, petition.id) is Status.ASSIGNED

    report = tmp_path / "bien-ban.pdf"
    report.write_bytes(b"%PDF-1.4\n% bi\xc3\xaan b\xe1\xba\xa3n\n")
    resident.mark()
    await page.set_input_files("input[name=file]", str(report))
    await page.get_by_role("button", name="Gửi trả lời").click()
    await page.wait_for_selector("text=Đã gửi trả lời")
    assert await status_of(store, petition.id) is Status.ANSWERED
    answer, document = await resident.wait(expect=2)
    assert "Đã thay bóng đèn" in answer.plain_text
    assert answer.button_texts() == ["👍 Hài lòng", "👎 Chưa thỏa đáng"]
    assert document.document is not None

    # the secretary's pages are not the official's
    response = await page.goto(site.url + f"/quan-ly/y-kien/{petition.id}")
    assert response is not None and response.status == 403


async def test_the_secretary_publishes_the_conclusion_and_downloads_the_files(
    site: Site, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, browser: Browser
) -> None:
    session, _petitions = await setup(store, clock)
    clock.set(local(2026, 2, 11, 9))
    r1 = tg.user(R1, first_name="Lan", known=True)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    page = await logged_in(browser, site, secretary)
    await page.get_by_role("link", name="Buổi đối thoại").first.click()
    await page.get_by_role("link", name=f"#{session.id} Đối thoại định kỳ quý I").click()

    await page.fill("form[action$='/ket-luan'] textarea", "")
    await page.get_by_role("button", name="Lưu bản nháp").click()
    await page.wait_for_selector("text=Xin nhập nội dung")
    await page.fill("form[action$='/ket-luan'] textarea", "Ghi nhận ý kiến <bà con>.")
    await page.get_by_role("button", name="Lưu bản nháp").click()
    await page.wait_for_selector("text=Đã lưu nội dung thông báo kết luận")
    r1.mark()
    await page.get_by_role("button", name="Công bố thông báo kết luận").click()
    await page.wait_for_selector("text=Đã công bố thông báo kết luận")
    got = await r1.wait()
    assert any("Ghi nhận ý kiến <bà con>." in m.plain_text for m in got)

    await page.get_by_role("link", name="Hồ sơ hội nghị").click()
    links = page.locator("main li a")
    assert await links.count() >= 5
    first = await links.first.get_attribute("href")
    assert first is not None
    got_file = await page.request.get(site.url + first)
    assert got_file.status == 200
    assert (await got_file.body()).startswith(b"PK")
    assert "attachment" in got_file.headers["content-disposition"]

    await page.get_by_role("link", name="Báo cáo").first.click()
    table = await page.request.get(site.url + "/quan-ly/bao-cao/2026-01/1")
    assert table.status == 200 and (await table.body()).startswith(b"PK")
    async with store.read() as uow:
        trail = await uow.audit.for_subject("session", str(session.id))
    assert {"conclusion.published", "dossier.exported"} <= {e.action for e in trail}
