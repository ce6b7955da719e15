from banking.providers.base import Provider
from banking.providers.demo import DemoBank
from banking.providers.plaid import PlaidProvider

PROVIDERS: dict[str, type] = {"demo": DemoBank, "plaid": PlaidProvider}


def get_provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise ValueError(f"Unknown bank provider {name!r}.") from None
