"""RequestBudget keeps every window under its limit, on a simulated clock."""
from importers.core.pacing import RequestBudget, Window


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def endpoint(url: str) -> str:
    return url.split("/")[1]


def test_no_window_ever_holds_more_than_its_share():
    clock = Clock()
    budget = RequestBudget([Window(1000, 3600), Window(100, 60, endpoint)], margin=0.9,
                           clock=clock, sleep=clock.sleep)
    sent = []
    for n in range(2000):
        url = f"/{'events' if n % 3 else 'chat'}/x"
        budget.take(url)
        sent.append((clock.now, endpoint(url)))
        clock.now += 0.01
    for start, _ in sent:
        in_hour = [t for t, _ in sent if start <= t < start + 3600]
        assert len(in_hour) <= 900
        for name in ("events", "chat"):
            assert len([t for t, e in sent if e == name and start <= t < start + 60]) <= 90
    assert budget.waited > 3600  # 2,000 requests at 900 an hour take over two hours


def test_requests_within_budget_do_not_wait():
    clock = Clock()
    budget = RequestBudget([Window(100, 60)], clock=clock, sleep=clock.sleep)
    for _ in range(90):
        budget.take("/a")
    assert clock.now == 0.0 and budget.waited == 0.0
