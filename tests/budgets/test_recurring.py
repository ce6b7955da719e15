import datetime
import threading
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from budgets.models import RecurringItem, RecurringOccurrence
from budgets.periods import occurrence_dates
from budgets.services.recurring import (
    recurring_create,
    recurring_match,
    recurring_post_due,
    recurring_update,
)
from ledger.models import Transaction
from tests.ledger.factories import make_account, make_transaction

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


def at(day):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False
    )


def dates(**kwargs):
    return list(occurrence_dates(**kwargs))


def test_day_31_falls_on_the_last_day_of_shorter_months():
    got = dates(frequency="monthly", start_date=D(2025, 1, 31), day_of_month=31,
                since=D(2025, 1, 1), until=D(2025, 5, 31))  # fmt: skip
    assert got == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)]


def test_last_day_and_leap_years():
    got = dates(frequency="monthly", start_date=D(2024, 1, 5), last_day=True,
                since=D(2024, 1, 1), until=D(2024, 3, 31))  # fmt: skip
    assert got == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]
    yearly = dates(frequency="yearly", start_date=D(2024, 2, 29), since=D(2024, 1, 1),
                   until=D(2028, 12, 31))  # fmt: skip
    assert yearly == [
        D(2024, 2, 29),
        D(2025, 2, 28),
        D(2026, 2, 28),
        D(2027, 2, 28),
        D(2028, 2, 29),
    ]


def test_weekly_biweekly_quarterly_and_an_end_date():
    assert dates(frequency="biweekly", start_date=D(2025, 1, 3), since=D(2025, 1, 20),
                 until=D(2025, 2, 28)) == [D(2025, 1, 31), D(2025, 2, 14), D(2025, 2, 28)]  # fmt: skip
    assert dates(frequency="weekly", start_date=D(2025, 1, 1), end_date=D(2025, 1, 15),
                 since=D(2025, 1, 1), until=D(2025, 3, 1)) == [D(2025, 1, 1), D(2025, 1, 8), D(2025, 1, 15)]  # fmt: skip
    assert dates(frequency="quarterly", start_date=D(2025, 1, 15), since=D(2025, 1, 1),
                 until=D(2025, 12, 31)) == [D(2025, 1, 15), D(2025, 4, 15), D(2025, 7, 15), D(2025, 10, 15)]  # fmt: skip


def test_a_recurring_item_ending_before_it_starts_is_refused(alice, checking):
    with pytest.raises(ValidationError) as exc:
        recurring_create(user=alice, payee="Gym", amount="-30", account=checking,
                         start_date=D(2025, 3, 1), end_date=D(2025, 2, 1))  # fmt: skip
    assert "end_date" in exc.value.message_dict
    assert RecurringItem.objects.count() == 0


def test_bad_input_gives_field_errors_and_saves_nothing(alice, checking, bob_account):
    with pytest.raises(ValidationError) as exc:
        recurring_create(user=alice, payee="", amount="0", account=bob_account,
                         start_date=D(2025, 3, 1), day_of_month=32)  # fmt: skip
    assert set(exc.value.message_dict) == {"payee", "amount", "account", "day_of_month"}
    assert RecurringItem.objects.count() == 0


def _gym(alice, account, **extra):
    fields = {"payee": "Gym", "amount": "-30", "account": account, "start_date": D(2025, 1, 15),
              "auto_post": True}  # fmt: skip
    fields.update(extra)
    return recurring_create(user=alice, **fields)


def test_the_schedule_posts_due_dates_once_and_catches_up_after_a_gap(alice, checking):
    with at(D(2025, 1, 10)):
        item = _gym(alice, checking)
    with at(D(2025, 1, 15)):
        assert recurring_post_due().posted == 1
        assert recurring_post_due().posted == 0  # the same day again: nothing
    with at(D(2025, 4, 20)):  # nothing ran for three months
        assert recurring_post_due().posted == 3
        assert recurring_post_due().posted == 0
    posted = Transaction.objects.for_user(alice).order_by("date")
    assert [t.date for t in posted] == [
        D(2025, 1, 15),
        D(2025, 2, 15),
        D(2025, 3, 15),
        D(2025, 4, 15),
    ]
    assert {t.source for t in posted} == {"recurring"}
    assert {t.amount for t in posted} == {Decimal("-30")}
    assert RecurringOccurrence.objects.filter(item=item, status="posted").count() == 4


def test_day_31_posts_on_the_last_day_of_shorter_months(alice, checking):
    with at(D(2025, 1, 20)):
        item = _gym(alice, checking, start_date=D(2025, 1, 31), day_of_month=31)
    with at(D(2025, 5, 1)):  # catching up January to April in one run
        assert recurring_post_due().posted == 4
    assert list(
        Transaction.objects.for_user(alice).order_by("date").values_list("date", flat=True)
    ) == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30)]
    assert list(item.occurrences.values_list("date", flat=True)) == [
        D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30)
    ]  # fmt: skip


def test_it_never_posts_before_the_item_was_made_nor_expect_only_items(alice, checking):
    with at(D(2025, 3, 20)):
        _gym(alice, checking)  # started in January: January to March are history, not posted
        _gym(alice, checking, payee="Rent", auto_post=False)
        assert recurring_post_due().posted == 0
    with at(D(2025, 4, 15)):
        assert recurring_post_due().posted == 1


def test_a_stopped_or_ended_item_posts_nothing(alice, checking):
    with at(D(2025, 1, 10)):
        item = _gym(alice, checking, end_date=D(2025, 2, 20))
    with at(D(2025, 5, 1)):
        assert recurring_post_due().posted == 2
    recurring_update(user=alice, item=item, end_date=None)
    item.is_active = False
    item.save()
    with at(D(2025, 6, 1)):
        assert recurring_post_due().posted == 0


def test_moving_a_bill_to_another_day_does_not_post_it_twice_that_month(alice, checking):
    with at(D(2025, 3, 1)):
        item = _gym(alice, checking, start_date=D(2025, 3, 15), day_of_month=15)
    with at(D(2025, 3, 16)):
        assert recurring_post_due().posted == 1
        recurring_update(user=alice, item=item, day_of_month=20)
    with at(D(2025, 4, 21)):
        assert recurring_post_due().posted == 1
    assert list(
        Transaction.objects.for_user(alice).order_by("date").values_list("date", flat=True)
    ) == [D(2025, 3, 15), D(2025, 4, 20)]
    with at(D(2025, 4, 22)):  # a change that does not move it leaves the schedule alone
        recurring_update(user=alice, item=item, amount="-32")
    item.refresh_from_db()
    assert item.post_from == D(2025, 3, 31)


def test_a_real_transaction_is_matched_to_the_expected_one(alice, checking):
    with at(D(2025, 1, 1)):
        item = recurring_create(user=alice, payee="Netflix", amount="-15.49", account=checking,
                                start_date=D(2025, 1, 5))  # fmt: skip
    other = make_account(alice)
    real = make_transaction(
        checking, amount="-15.49", payee="NETFLIX.COM 866-579", date=D(2025, 2, 7)
    )
    wrong_account = make_transaction(other, amount="-15.49", payee="Netflix", date=D(2025, 3, 5))
    wrong_amount = make_transaction(checking, amount="-25.00", payee="Netflix", date=D(2025, 3, 5))
    wrong_payee = make_transaction(checking, amount="-15.49", payee="Spotify", date=D(2025, 3, 5))
    too_far = make_transaction(checking, amount="-15.49", payee="Netflix", date=D(2025, 3, 15))
    matched = recurring_match(
        user=alice, transactions=[real, wrong_account, wrong_amount, wrong_payee, too_far]
    )
    assert [(o.item_id, o.date, o.transaction_id, o.status) for o in matched] == [
        (item.pk, D(2025, 2, 5), real.pk, "seen")
    ]
    assert recurring_match(user=alice, transactions=[real]) == []  # once


def test_a_match_replaces_the_transaction_the_schedule_posted(alice, checking):
    with at(D(2025, 1, 1)):
        _gym(alice, checking, start_date=D(2025, 1, 15))
    with at(D(2025, 1, 16)):
        recurring_post_due()
    placeholder = Transaction.objects.get(source="recurring")
    real = make_transaction(
        checking, amount="-30", payee="GYM LTD", date=D(2025, 1, 17), source="bank"
    )
    matched = recurring_match(user=alice, transactions=[real])
    assert matched[0].transaction_id == real.pk
    assert not Transaction.objects.filter(pk=placeholder.pk).exists()
    assert Transaction.objects.for_user(alice).count() == 1
    with at(D(2025, 1, 20)):
        assert recurring_post_due().posted == 0


def test_a_real_transaction_first_means_the_schedule_does_not_post(alice, checking):
    with at(D(2025, 1, 1)):
        _gym(alice, checking, start_date=D(2025, 1, 15))
    real = make_transaction(checking, amount="-30", payee="Gym", date=D(2025, 1, 14), source="bank")
    assert len(recurring_match(user=alice, transactions=[real])) == 1
    with at(D(2025, 1, 16)):
        assert recurring_post_due().posted == 0
    assert Transaction.objects.for_user(alice).count() == 1


def test_matching_ignores_strangers_transactions(alice, bob, checking, bob_account):
    with at(D(2025, 1, 1)):
        _gym(alice, checking, auto_post=False)
    theirs = make_transaction(bob_account, amount="-30", payee="Gym", date=D(2025, 1, 15))
    assert recurring_match(user=alice, transactions=[theirs]) == []


def test_approximate_amounts_match_within_a_fifth(alice, checking):
    with at(D(2025, 1, 1)):
        recurring_create(user=alice, payee="Power Co", amount="-100", account=checking,
                         start_date=D(2025, 1, 10), is_approximate=True)  # fmt: skip
    near = make_transaction(checking, amount="-118", payee="Power Co", date=D(2025, 1, 10))
    far = make_transaction(checking, amount="-125", payee="Power Co", date=D(2025, 2, 10))
    assert [o.transaction_id for o in recurring_match(user=alice, transactions=[near, far])] == [
        near.pk
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_schedule_at_once_post_each_date_once(alice, checking):
    with at(D(2025, 1, 1)):
        _gym(alice, checking, start_date=D(2025, 1, 1), frequency="weekly")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(recurring_post_due(today=D(2025, 3, 31)).posted)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 13
    assert Transaction.objects.filter(user=alice).count() == 13
    assert Transaction.objects.filter(user=alice).values("date").distinct().count() == 13


def test_tracking_a_detected_subscription_links_its_past_payments_as_its_history(alice, checking):
    from budgets.detection import subscriptions_detect
    from budgets.selectors import budget_status, expected_between
    from budgets.services.budgets import budget_create
    from budgets.services.recurring import subscription_track
    from tests.ledger.factories import make_category

    tv = make_category(alice, name="Streaming")
    paid = [
        make_transaction(checking, amount=amount, payee=payee, category=tv, date=day)
        for day, amount, payee in [
            (D(2024, 10, 9), "-15.49", "STREAMFLIX 0041"), (D(2024, 11, 9), "-15.49", "Streamflix"),
            (D(2024, 12, 11), "-15.49", "Streamflix"),  # two days late
            (D(2025, 1, 9), "-17.99", "Streamflix"), (D(2025, 2, 9), "-17.99", "Streamflix"),
            (D(2025, 3, 9), "-17.99", "Streamflix"),
        ]
    ]  # fmt: skip
    make_transaction(checking, amount="-17.99", payee="Other shop", date=D(2025, 2, 9))
    with at(D(2025, 3, 20)):
        budget = budget_create(user=alice, category=tv, amount="20")
        [series] = subscriptions_detect(user=alice)
        item = subscription_track(user=alice, series=series)
        upcoming = expected_between(user=alice, since=D(2025, 3, 20), until=D(2025, 5, 31))
        status = budget_status(user=alice, budget=budget)
    occurrences = list(item.occurrences.order_by("date"))
    assert [(o.date, o.status, o.transaction_id) for o in occurrences] == [
        (D(2024, 10, 9), "seen", paid[0].pk), (D(2024, 11, 9), "seen", paid[1].pk),
        (D(2024, 12, 9), "seen", paid[2].pk), (D(2025, 1, 9), "seen", paid[3].pk),
        (D(2025, 2, 9), "seen", paid[4].pk), (D(2025, 3, 9), "seen", paid[5].pk),
    ]  # fmt: skip
    assert (item.start_date, item.day_of_month, item.amount) == (D(2024, 10, 9), 9,
                                                                 Decimal("-17.99"))  # fmt: skip
    # Nothing past was posted, and what comes is what was detected.
    assert Transaction.objects.for_user(alice).filter(source="recurring").count() == 0
    assert [e.date for e in upcoming] == [D(2025, 4, 9), D(2025, 5, 9)]
    # This month's payment is the bill it is from day one: not extrapolated at a daily pace.
    assert (status.spent, status.bills_spent, status.forecast) == (
        Decimal("17.99"), Decimal("17.99"), Decimal("17.99")
    )  # fmt: skip
    # The next payment, when it comes, is matched to the next date.
    april = make_transaction(checking, amount="-17.99", payee="Streamflix", date=D(2025, 4, 9))
    [matched] = recurring_match(user=alice, transactions=[april])
    assert (matched.date, matched.item_id) == (D(2025, 4, 9), item.pk)


def test_linking_past_payments_takes_only_the_items_own_and_only_once(alice, bob, checking):
    from budgets.services.recurring import recurring_link_past

    other = make_account(alice, name="Savings")
    rent = [
        make_transaction(checking, amount="-900", payee="Landlord Ltd", date=D(2025, m, 1))
        for m in (1, 2, 3)
    ]
    make_transaction(other, amount="-900", payee="Landlord Ltd", date=D(2025, 2, 1))  # account
    make_transaction(checking, amount="900", payee="Landlord Ltd", date=D(2025, 2, 2))  # money in
    make_transaction(checking, amount="-900", payee="Grocer", date=D(2025, 2, 1))  # payee
    make_transaction(checking, amount="-900", payee="Landlord Ltd", date=D(2025, 2, 20))  # date
    with at(D(2025, 3, 10)):
        item = recurring_create(user=alice, payee="Landlord", amount="-950", account=checking,
                                start_date=D(2025, 1, 1))  # fmt: skip
        other_item = recurring_create(user=alice, payee="Landlord", amount="-950",
                                      account=checking, start_date=D(2025, 1, 1))  # fmt: skip
        linked = recurring_link_past(user=alice, item=item)
        assert recurring_link_past(user=alice, item=item) == []  # already done
        assert recurring_link_past(user=alice, item=other_item) == []  # taken by the first
        with pytest.raises(RecurringItem.DoesNotExist):
            recurring_link_past(user=bob, item=item)
    assert [(o.date, o.transaction_id) for o in linked] == [
        (D(2025, 1, 1), rent[0].pk), (D(2025, 2, 1), rent[1].pk), (D(2025, 3, 1), rent[2].pk)
    ]  # fmt: skip
    assert RecurringOccurrence.objects.filter(item=item).count() == 3
