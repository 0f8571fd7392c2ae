"""The thread-leak guard (conftest no_dangling_threads) sees executors and plain threads."""

import threading
from concurrent.futures import ThreadPoolExecutor

from app.ui.review.loader import PartLoader


def test_an_executor_left_running_is_reported_with_where_it_started(no_dangling_threads):
    pool = ThreadPoolExecutor(1, thread_name_prefix="leaky")
    pool.submit(lambda: None).result()
    try:
        leaks = no_dangling_threads()
        assert len(leaks) == 1
        assert "executor worker 'leaky_0'" in leaks[0]
        assert "test_thread_guard.py" in leaks[0]  # where it was started
    finally:
        pool.shutdown(wait=True)
    assert no_dangling_threads() == []


def test_a_plain_thread_left_running_is_reported(no_dangling_threads):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="forgotten", daemon=True)
    thread.start()
    try:
        leaks = no_dangling_threads()
        assert len(leaks) == 1 and "a thread 'forgotten' (daemon=True)" in leaks[0]
    finally:
        stop.set()
        thread.join()
    assert no_dangling_threads() == []


def test_a_loader_shut_down_leaves_no_thread(qtbot, no_dangling_threads, tmp_path):
    loader = PartLoader()
    loader.request(str(tmp_path / "missing.png"))
    with qtbot.waitSignal(loader.failed, timeout=5000):
        pass
    assert any("review-loader" in leak for leak in no_dangling_threads())
    loader.shutdown()
    assert no_dangling_threads() == []
