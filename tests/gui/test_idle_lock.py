"""The idle watch counts from the last input anywhere in the application; the lock screen
shows who it is locked for and nothing of a patient, and asks by keyboard alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from consult_aid.ui.idle_lock import IdleWatch, LockScreen


def test_idle_fires_only_after_a_quiet_interval(qtbot: QtBot) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    watch = IdleWatch(minutes=0.01)  # 600 ms
    try:
        fired: list[float] = []
        watch.idle.connect(lambda: fired.append(time.monotonic()))
        watch.start()
        # typing keeps it awake: a key every 200 ms for 1.2 s, twice the interval
        for _ in range(6):
            qtbot.wait(200)
            qtbot.keyClick(field, Qt.Key.Key_A)
        last_key = time.monotonic()
        assert fired == []
        qtbot.waitUntil(lambda: bool(fired), timeout=3000)
        assert fired[0] - last_key >= 0.55  # counted from the last key
        # paused (locked): no more idle signals, input or not
        watch.pause()
        qtbot.keyClick(field, Qt.Key.Key_B)
        qtbot.wait(900)
        assert len(fired) == 1
    finally:
        watch.stop()


def test_the_mouse_and_the_wheel_count_as_input_and_a_repaint_does_not(qtbot: QtBot) -> None:
    """Every event of the application passes the watch: the input ones restart its count,
    the others (paints, timers, layouts: thousands while a page is built) do not."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    qtbot.wait(300)  # the events of a window shown (a synthetic move under the pointer)
    watch = IdleWatch(minutes=0.05)  # 3 s
    try:
        watch.start()

        def restarts(send: Callable[[], object]) -> bool:
            """Whether ``send`` started the count again (after a second's pause: any event
            that trails an earlier input has come by then)."""
            qtbot.wait(1000)
            before = watch.remaining_ms()
            assert before < 2500  # counting down
            send()
            return watch.remaining_ms() > before + 300

        assert not restarts(field.repaint)  # a paint is not input
        assert restarts(lambda: qtbot.mouseMove(field, QPoint(5, 5)))
        wheel = QWheelEvent(QPointF(5, 5), QPointF(5, 5), QPoint(), QPoint(0, 120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        assert restarts(lambda: QApplication.sendEvent(field, wheel))
        assert restarts(lambda: qtbot.keyClick(field, Qt.Key.Key_A))
    finally:
        watch.stop()


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_lock_screen_by_keyboard(qtbot: QtBot) -> None:
    lock = LockScreen()
    qtbot.addWidget(lock)
    lock.resize(1000, 600)
    lock.show()
    lock.show_locked("Dr. Sam Rivera", datetime(2026, 11, 28, 10, 32))
    unlocks: list[str] = []
    switches: list[tuple[str, str]] = []
    lock.unlock_requested.connect(unlocks.append)
    lock.switch_requested.connect(lambda u, p: switches.append((u, p)))
    qtbot.waitUntil(lock.password.hasFocus)
    qtbot.keyClicks(lock.password, "my secret words")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    assert unlocks == ["my secret words"]
    lock.show_refusal("The user name or the password is not right.")
    assert lock.password.text() == "" and lock.message.isVisible()
    qtbot.keyClick(lock, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lock.other_name.hasFocus)
    qtbot.keyClicks(lock.other_name, "jlee")
    qtbot.keyClick(lock.other_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(lock.other_password, "seven green kettles")
    qtbot.keyClick(lock.other_password, Qt.Key.Key_Return)
    assert switches == [("jlee", "seven green kettles")]
    texts = " ".join(label.text() for label in lock.findChildren(QLabel))
    assert "Locked for Dr. Sam Rivera at 10:32" in texts
    # the lock screen starts empty every time
    lock.show_locked("Dr. Sam Rivera", datetime(2026, 11, 28, 10, 40))
    assert not lock.other.isVisible() and not lock.message.isVisible()
    assert lock.other_name.text() == "" and lock.password.text() == ""
