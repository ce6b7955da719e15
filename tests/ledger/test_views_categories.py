import pytest
from django.urls import reverse

from ledger.models import Category, Rule, Tag, Transaction
from tests.ledger.factories import make_account, make_category, make_tag, make_transaction

pytestmark = pytest.mark.django_db


def test_the_list_groups_categories_by_kind_with_their_children(alice_client, alice):
    food = make_category(alice, name="Food")
    make_category(alice, name="Coffee", parent=food)
    make_category(alice, name="Salary", kind="income")
    make_category(make_account(alice).user, name="Misc")

    response = alice_client.get(reverse("ledger:category-list"))

    groups = {g["kind"]: g for g in response.context["groups"]}
    expense_names = [c.name for c in groups["expense"]["parents"]]
    assert expense_names == ["Food", "Misc"]
    assert [c.name for c in groups["expense"]["parents"][0].sub] == ["Coffee"]
    assert [c.name for c in groups["income"]["parents"]] == ["Salary"]


def test_it_creates_a_sub_category(alice_client, alice):
    food = make_category(alice, name="Food")
    response = alice_client.post(
        reverse("ledger:category-create"),
        {"name": "Bakery", "kind": "expense", "parent": food.pk, "color": "#AABBCC", "icon": "🥐"},
    )
    assert response.status_code == 302
    bakery = Category.objects.for_user(alice).get(name="Bakery")
    assert (bakery.parent, bakery.color, bakery.icon) == (food, "#aabbcc", "🥐")


def test_a_duplicate_name_is_a_field_error(alice_client, alice):
    make_category(alice, name="Food")
    response = alice_client.post(
        reverse("ledger:category-create"),
        {"name": "food", "kind": "expense", "color": "#aabbcc"},
    )
    assert response.status_code == 200
    assert "already have a category" in " ".join(response.context["form"].errors["name"])
    assert Category.objects.for_user(alice).count() == 1


def test_it_renames_recolours_and_sets_an_emoji(alice_client, alice):
    food = make_category(alice, name="Food")
    alice_client.post(
        reverse("ledger:category-edit", args=[food.pk]),
        {"name": "Eating", "kind": "expense", "color": "#112233", "icon": "🍜"},
    )
    food.refresh_from_db()
    assert (food.name, food.color, food.icon) == ("Eating", "#112233", "🍜")


def test_merge_asks_first_showing_how_many_transactions_move(alice_client, alice):
    account = make_account(alice)
    old, new = make_category(alice, name="Eating out"), make_category(alice, name="Restaurants")
    for _ in range(3):
        make_transaction(account, category=old)
    rule = Rule.objects.create(user=alice, name="r", set_category=old)

    page = alice_client.get(reverse("ledger:category-merge", args=[old.pk]))
    assert page.context["moving"] == 3
    assert b"3 transactions" in page.content
    assert Category.objects.filter(pk=old.pk).exists()

    response = alice_client.post(
        reverse("ledger:category-merge", args=[old.pk]), {"target": new.pk}
    )
    assert response.status_code == 302
    assert not Category.objects.filter(pk=old.pk).exists()
    assert Transaction.objects.filter(category=new).count() == 3
    rule.refresh_from_db()
    assert rule.set_category == new


def test_merge_into_a_strangers_category_is_refused(alice_client, alice, bob):
    old = make_category(alice, name="Food")
    bobs = make_category(bob, name="Bob's")
    response = alice_client.post(
        reverse("ledger:category-merge", args=[old.pk]), {"target": bobs.pk}
    )
    assert response.status_code == 200
    assert "target" in response.context["form"].errors
    assert Category.objects.filter(pk=old.pk).exists()


def test_it_archives_a_category(alice_client, alice):
    food = make_category(alice, name="Food")
    response = alice_client.post(reverse("ledger:category-archive", args=[food.pk]))
    assert response.status_code == 302
    food.refresh_from_db()
    assert food.is_archived


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("ledger:category-edit", "get"),
        ("ledger:category-edit", "post"),
        ("ledger:category-merge", "get"),
        ("ledger:category-merge", "post"),
        ("ledger:category-archive", "post"),
    ],
)
def test_the_stranger_gets_404_on_alices_category(bob_client, alice, name, method):
    food = make_category(alice, name="Food")
    data = {"name": "Bob's", "kind": "expense", "color": "#000000", "target": food.pk}
    response = getattr(bob_client, method)(reverse(name, args=[food.pk]), data)
    assert response.status_code == 404
    food.refresh_from_db()
    assert (food.name, food.is_archived) == ("Food", False)


def test_category_pages_need_login(client):
    for name in ("ledger:category-list", "ledger:category-create", "ledger:tag-list"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name


def test_wrong_methods_get_405(alice_client, alice):
    food = make_category(alice)
    assert alice_client.get(reverse("ledger:category-archive", args=[food.pk])).status_code == 405
    assert alice_client.post(reverse("ledger:category-list")).status_code == 405


def test_the_category_list_runs_a_constant_number_of_queries(
    alice_client, alice, django_assert_max_num_queries
):
    for i in range(5):
        make_category(alice, name=f"C{i}")
    # 9: the profile is read once, for the number format the counts are written in.
    with django_assert_max_num_queries(9):
        alice_client.get(reverse("ledger:category-list"))
    for i in range(40):
        make_category(alice, name=f"D{i}")
    with django_assert_max_num_queries(9):
        alice_client.get(reverse("ledger:category-list"))


# --- Tags -------------------------------------------------------------------------------------


def test_it_lists_and_creates_tags(alice_client, alice, bob):
    make_tag(alice, "trip")
    make_tag(bob, "bobs-tag")
    page = alice_client.get(reverse("ledger:tag-list"))
    assert [t.name for t in page.context["tags"]] == ["trip"]

    response = alice_client.post(reverse("ledger:tag-list"), {"name": "holiday"})
    assert response.status_code == 302
    assert sorted(Tag.objects.for_user(alice).values_list("name", flat=True)) == [
        "holiday",
        "trip",
    ]


def test_a_duplicate_tag_name_is_a_field_error(alice_client, alice):
    make_tag(alice, "trip")
    response = alice_client.post(reverse("ledger:tag-list"), {"name": "Trip"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Tag.objects.for_user(alice).count() == 1


def test_it_renames_a_tag(alice_client, alice):
    tag = make_tag(alice, "trip")
    alice_client.post(reverse("ledger:tag-edit", args=[tag.pk]), {"name": "travel"})
    tag.refresh_from_db()
    assert tag.name == "travel"


def test_deleting_a_tag_asks_first_and_keeps_the_transactions(alice_client, alice):
    tag = make_tag(alice, "trip")
    txn = make_transaction(make_account(alice), tags=[tag])
    page = alice_client.get(reverse("ledger:tag-delete", args=[tag.pk]))
    assert page.status_code == 200 and page.context["count"] == 1
    assert Tag.objects.filter(pk=tag.pk).exists()

    alice_client.post(reverse("ledger:tag-delete", args=[tag.pk]))
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert Transaction.objects.filter(pk=txn.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ["ledger:tag-edit", "ledger:tag-delete"])
def test_the_stranger_gets_404_on_alices_tag(bob_client, alice, name, method):
    tag = make_tag(alice, "trip")
    response = getattr(bob_client, method)(reverse(name, args=[tag.pk]), {"name": "bob"})
    assert response.status_code == 404
    tag.refresh_from_db()
    assert tag.name == "trip"
