"""Driving the group's editor in a browser: typing into a part, waiting for its save state, reading what was stored."""

from playwright.sync_api import expect

from submissions.models import Section

SAVE_WAIT = 15_000  # ms: autosave waits 3 s after the last key; a slow runner gets some margin


def type_into(section, text: str) -> None:
    area = section.get_by_test_id("editor-area")
    area.click()
    area.press("End")
    section.page.keyboard.type(text)


def expect_state(section, state: str, timeout: int = SAVE_WAIT) -> None:
    """The state next to the editor: saved, saving, local (on this device only), conflict, closed..."""
    expect(section.get_by_test_id("save-state")).to_have_attribute("data-state", state, timeout=timeout)


def stored_html(group, position: int = 2) -> str:
    return Section.objects.get(group=group, template__position=position).html
